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

export const loadOffers = () => unwrap(api.client.GET('/api/v1/worker/offers'));
export const acceptOffer = (id: string) => unwrap(api.client.POST('/api/v1/worker/offers/{id}/accept', { params: { path: { id } } }));
export const rejectOffer = (id: string, reason: string) =>
  unwrap(api.client.POST('/api/v1/worker/offers/{id}/reject', { params: { path: { id } }, body: { reason } }));
export const loadGrabPool = () => unwrap(api.client.GET('/api/v1/worker/grab-pool'));
export const claimOrder = (orderId: string) =>
  unwrap(api.client.POST('/api/v1/worker/grab-pool/{order_id}/claim', { params: { path: { order_id: orderId } } }));
/** The worker's jobs of `date` (YYYY-MM-DD; their area's today when absent) in route order. */
export const loadDay = (date?: string) => unwrap(api.client.GET('/api/v1/worker/jobs', { params: { query: date ? { date } : {} } }));
