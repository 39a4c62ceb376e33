/** The worker app's API client; its tokens live under the `worker` key. */
import { createApi, unwrap } from '@daojia/shared';

export const api = createApi('worker');

export const loadMe = () => unwrap(api.client.GET('/api/v1/worker/me'));
export const loadSessions = () => unwrap(api.client.GET('/api/v1/worker/sessions'));
export const revokeSession = async (id: string): Promise<void> => {
  await unwrap(api.client.DELETE('/api/v1/worker/sessions/{id}', { params: { path: { id } } }));
};
export const setPresence = (online: boolean, accepting: boolean) =>
  unwrap(api.client.PUT('/api/v1/worker/me/presence', { body: { online, accepting } }));
