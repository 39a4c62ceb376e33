/** The customer app's API client; its tokens live under the `customer` key. */
import { createApi, unwrap } from '@daojia/shared';

export const api = createApi('customer');

export const loadMe = () => unwrap(api.client.GET('/api/v1/customer/me'));
export const loadSessions = () => unwrap(api.client.GET('/api/v1/customer/sessions'));
export const revokeSession = async (id: string): Promise<void> => {
  await unwrap(api.client.DELETE('/api/v1/customer/sessions/{id}', { params: { path: { id } } }));
};
