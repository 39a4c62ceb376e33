/**
 * The signed-in staff member, loaded once per session by the layout. Buttons and menus ask
 * `can()`; the server still decides, and a 403 is shown where it happens.
 */
import { shallowRef } from 'vue';
import { unwrap, type StaffMe } from '@daojia/shared';
import { api } from './api';

export const me = shallowRef<StaffMe | null>(null);

export async function loadMe(): Promise<StaffMe> {
  const data = await unwrap(api.client.GET('/api/v1/admin/me'));
  me.value = data;
  return data;
}

export function can(permission: string | undefined): boolean {
  if (!permission) return true;
  return me.value?.permissions.includes(permission) ?? false;
}

api.session.onLogout(() => {
  me.value = null;
});

/** True for platform staff; a partner's staff see their own workers only and are refused platform-wide pages and actions. */
export function platform(): boolean {
  return me.value?.platform ?? false;
}
