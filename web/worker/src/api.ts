/** The worker app's API client; its tokens live under the `worker` key. */
import { createApi, unwrap } from '@daojia/shared';
import { retryable, type QueuedKind } from './queue';

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

const job = (id: string) => ({ params: { path: { id } } });
/** The worker sets off for a job (the customer's app shows the door check code from now on). */
export const departJob = (id: string) => unwrap(api.client.POST('/api/v1/worker/jobs/{id}/depart', job(id)));
/** Checks in at the door; outside the fence with a reason and a photo. */
export const checkIn = (
  id: string,
  body: { lat: number; lng: number; accuracy_m?: number | null; reason?: string | null; photo_upload_id?: string | null },
) => unwrap(api.client.POST('/api/v1/worker/jobs/{id}/check-in', { ...job(id), body }));
/** Starts the service with the customer's door check code. */
export const startJob = (id: string, code: string) => unwrap(api.client.POST('/api/v1/worker/jobs/{id}/start', { ...job(id), body: { code } }));
/** The service is done. */
export const finishJob = (id: string) => unwrap(api.client.POST('/api/v1/worker/jobs/{id}/finish', job(id)));

/** A number to call a job's customer through (the configured privacy-number provider). */
export const callCustomer = (id: string) => unwrap(api.client.POST('/api/v1/worker/jobs/{id}/call', job(id)));
/** The customer is not home (客户不在家): the evidence; the order is cancelled with the no-show fee. */
export interface NoShowBody {
  lat: number;
  lng: number;
  accuracy_m?: number | null;
  call_attempts: number;
  photo_upload_id: string;
  note?: string | null;
}
/** Records a no-show with its idempotency `key` (kept for a resend) and the phone's time. */
export const reportNoShow = (id: string, body: NoShowBody, key: string, deviceAt: string) =>
  unwrap(api.client.POST('/api/v1/worker/jobs/{id}/no-show', { params: { path: { id }, header: { 'Device-Time': deviceAt, 'Idempotency-Key': key } }, body }));
/** SOS (紧急求助) during a visit; a second press answers the open alert. */
export const raiseSos = (id: string, body: { lat?: number | null; lng?: number | null; accuracy_m?: number | null; note?: string | null }) =>
  unwrap(api.client.POST('/api/v1/worker/jobs/{id}/sos', { ...job(id), body }));

/** A job's extra items and the items on offer at its address. */
export const loadExtras = (id: string) => unwrap(api.client.GET('/api/v1/worker/jobs/{id}/extras', job(id)));

/**
 * Sends a step of the visit taken at `deviceAt` (the phone's time) with its idempotency
 * `key` (kept for every resend): the worker app's steps all go this way, queued or not
 * (`queue.ts`), so a resend after a lost answer is applied once.
 */
export function sendStep(a: { key: string; orderId: string; kind: QueuedKind; body: Record<string, unknown> | null; deviceAt: string }) {
  const header = { 'Device-Time': a.deviceAt, 'Idempotency-Key': a.key };
  const params = { path: { id: a.orderId }, header };
  const body = (a.body ?? {}) as never;
  switch (a.kind) {
    case 'depart':
      return unwrap(api.client.POST('/api/v1/worker/jobs/{id}/depart', { params }));
    case 'check_in':
      return unwrap(api.client.POST('/api/v1/worker/jobs/{id}/check-in', { params, body }));
    case 'start':
      return unwrap(api.client.POST('/api/v1/worker/jobs/{id}/start', { params, body }));
    case 'finish':
      return unwrap(api.client.POST('/api/v1/worker/jobs/{id}/finish', { params }));
    case 'extra':
      return unwrap(api.client.POST('/api/v1/worker/jobs/{id}/extras', { params, body }));
  }
}

const DAY_KEY = 'daojia.worker.day';

/** The day's jobs as last loaded, for a worker who opens the app without a connection. */
export type DayView = Awaited<ReturnType<typeof loadDay>> & { offline?: boolean };

/**
 * The worker's jobs of `date` (see `loadDay`), kept on the phone: without a connection the
 * last answer is given, marked `offline`, so the worker still sees the route and can take
 * the visit's steps (queued until the connection returns).
 */
export async function loadDayKept(date?: string, shelf: Pick<Storage, 'getItem' | 'setItem'> | null = typeof localStorage === 'undefined' ? null : localStorage): Promise<DayView> {
  const slot = `${DAY_KEY}.${date ?? 'today'}`;
  try {
    const d = await loadDay(date);
    try {
      shelf?.setItem(slot, JSON.stringify(d));
    } catch {
      // Storage full: not kept.
    }
    return d;
  } catch (e) {
    const kept = retryable(e) ? shelf?.getItem(slot) : null;
    if (kept) return { ...(JSON.parse(kept) as DayView), offline: true };
    throw e;
  }
}

/** Uploads a photo at the door (for a check-in outside the fence). */
export function uploadDoorPhoto(file: Blob, name: string, purpose: 'check_in' | 'arrival_selfie' | 'no_show' = 'check_in') {
  const form = new FormData();
  form.append('purpose', purpose);
  form.append('file', file, name);
  return unwrap(
    api.client.POST('/api/v1/worker/uploads', {
      // The typed body describes the form's fields; the browser writes the multipart itself.
      body: form as unknown as { file: string; purpose?: string | null },
      bodySerializer: (b) => b as unknown as FormData,
    }),
  );
}

/** The worker's reviews and rating, a page at a time (newest first). */
export const loadMyReviews = (cursor?: string | null) =>
  unwrap(api.client.GET('/api/v1/worker/reviews', { params: { query: cursor ? { cursor, limit: 20 } : { limit: 20 } } }));
/** Replies to one of the worker's reviews (once). */
export const replyToReview = (id: string, text: string) =>
  unwrap(api.client.POST('/api/v1/worker/reviews/{id}/reply', { params: { path: { id } }, body: { text } }));

/** The worker's earnings: pending, withdrawable, in flight, withdrawn, the latest splits. */
export const loadEarnings = () => unwrap(api.client.GET('/api/v1/worker/earnings'));
/** The worker's withdrawals, newest first. */
export const loadMyWithdrawals = () => unwrap(api.client.GET('/api/v1/worker/withdrawals'));
/** Asks for a withdrawal through `channel` (`bank` or `wechat`); `key` is kept for the retries of this one request. */
export const requestWithdrawal = (amountFen: number, key: string, channel: string) =>
  unwrap(
    api.client.POST('/api/v1/worker/withdrawals', {
      params: { header: { 'Idempotency-Key': key } },
      body: { amount_fen: amountFen, channel },
    }),
  );
/** The payout channels offered now and the WeChat payee's binding. */
export const loadPayee = () => unwrap(api.client.GET('/api/v1/worker/payee'));
/** Binds the WeChat payee with the code of WeChat's web authorisation. */
export const bindWechatPayee = (code: string) => unwrap(api.client.PUT('/api/v1/worker/payee/wechat', { body: { code } }));
/** What WeChat needs to confirm (确认收款) the transfer of a withdrawal waiting for the payee. */
export const loadTransferConfirm = (id: string) =>
  unwrap(api.client.GET('/api/v1/worker/withdrawals/{id}/transfer', { params: { path: { id } } }));

/** The service record (服务记录) of a job: checklists, photos, note, materials. */
export const loadRecord = (id: string) => unwrap(api.client.GET('/api/v1/worker/jobs/{id}/record', job(id)));
/** Saves the ticked steps of one line's checklist (the whole set). */
export const saveChecklist = (id: string, lineId: string, ticked: number[]) =>
  unwrap(api.client.PUT('/api/v1/worker/jobs/{id}/record/checklist', { ...job(id), body: { line_id: lineId, ticked } }));
/** Adds an uploaded before/after photo to the record. */
export const addRecordPhoto = (id: string, uploadId: string, lineId?: string | null) =>
  unwrap(api.client.POST('/api/v1/worker/jobs/{id}/record/photos', { ...job(id), body: { upload_id: uploadId, line_id: lineId ?? null } }));
/** Saves the record's note (empty clears it). */
export const saveRecordNote = (id: string, text: string) => unwrap(api.client.PUT('/api/v1/worker/jobs/{id}/record/note', { ...job(id), body: { text } }));
/** Saves the materials used (the whole list). */
export const saveMaterials = (id: string, materials: { name: string; quantity: number; unit: string }[]) =>
  unwrap(api.client.PUT('/api/v1/worker/jobs/{id}/record/materials', { ...job(id), body: { materials } }));

/** Uploads a photo taken before or after the service. */
export function uploadRecordPhoto(file: Blob, name: string, purpose: 'before' | 'after') {
  const form = new FormData();
  form.append('purpose', purpose);
  form.append('file', file, name);
  return unwrap(
    api.client.POST('/api/v1/worker/uploads', {
      body: form as unknown as { file: string; purpose?: string | null },
      bodySerializer: (b) => b as unknown as FormData,
    }),
  );
}

/** The worker's deposit (保证金) and the platform's tiers. */
export const loadDeposit = () => unwrap(api.client.GET('/api/v1/worker/deposit'));
/** The deposit's movements (lodgings, fines, refunds), newest first. */
export const loadDepositMovements = () => unwrap(api.client.GET('/api/v1/worker/deposit/movements', { params: { query: { limit: 20 } } }));
/** The worker's lodgings (payments into the deposit), newest first. */
export const loadLodgings = () => unwrap(api.client.GET('/api/v1/worker/deposit/lodgings'));
/** One lodging, to follow it after the channel's page sent the worker back. */
export const loadLodging = (id: string) => unwrap(api.client.GET('/api/v1/worker/deposit/lodgings/{id}', { params: { path: { id } } }));
/** Opens a lodging of `amountFen` through `channel`; `key` is kept for the retries of this one request. */
export const lodgeDeposit = (amountFen: number, channel: string, key: string) =>
  unwrap(
    api.client.POST('/api/v1/worker/deposit/lodgings', {
      params: { header: { 'Idempotency-Key': key } },
      body: { amount_fen: amountFen, channel },
    }),
  );
/** Asks for the deposit back (held first, then paid into the withdrawable balance). */
export const askDepositRefund = () => unwrap(api.client.POST('/api/v1/worker/deposit/refund'));
/** The payment channels this server offers (`pay_channels` of the public configuration). */
/** The catalog's categories (code, 中文 and English names), to name what a deposit tier unlocks. */
export const loadCategories = async () => (await unwrap(api.client.GET('/api/v1/public/catalog'))).categories;
export const loadPayChannels = async (): Promise<string[]> => (await unwrap(api.client.GET('/api/v1/public/config'))).pay_channels;
