/** Display names of roles and permissions, from the catalog when it knows them. */
import { useI18n } from 'vue-i18n';
import type { Role } from '@daojia/shared';

/** The roles the API knows (its `Role` enum). */
export const ROLES = ['super_admin', 'dispatcher', 'customer_service', 'finance', 'marketing', 'partner'] as const satisfies readonly Role[];

export function isRole(v: string): v is Role {
  return (ROLES as readonly string[]).includes(v);
}

export function useNames() {
  const { t, te } = useI18n();
  const roleName = (role: string): string => (te(`roles.${role}`) ? t(`roles.${role}`) : role);
  const permName = (perm: string): string => {
    const key = `perm.${perm.replace(/\./g, '_')}`;
    return te(key) ? t(key) : perm;
  };
  return { roleName, permName };
}
