/** The customer app's API client; its tokens live under the `customer` key. */
import {
  ApiError,
  createApi,
  unwrap,
  type AddressView,
  type AreaView,
  type Catalog,
  type ItemView,
  type LineInput,
  type OrderView,
  type PaymentView,
  type PublicPromotion,
  type QuoteView,
  type SlotsView,
  type UploadView,
} from '@daojia/shared';
import { shrinkImage } from './booking/photos';
import { quoter } from './catalog';
import { inArea, searchQuery, type InArea, type Listing } from './listing';

export const api = createApi('customer');

export const loadMe = () => unwrap(api.client.GET('/api/v1/customer/me'));
export const loadSessions = () => unwrap(api.client.GET('/api/v1/customer/sessions'));
export const revokeSession = async (id: string): Promise<void> => {
  await unwrap(api.client.DELETE('/api/v1/customer/sessions/{id}', { params: { path: { id } } }));
};

/**
 * The catalog and the service areas change rarely: loaded once per page load and shared by
 * every page; a failed load is forgotten so the next page tries again.
 */
function once<T>(load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | null = null;
  return () => {
    pending ??= load().catch((e: unknown) => {
      pending = null;
      throw e;
    });
    return pending;
  };
}

/** True for the server's refusal of a service area it does not know. */
const unknownArea = (e: unknown): boolean => e instanceof ApiError && e.fieldErrors.some((f) => f.field === 'area' && f.code === 'unknown_area');

const catalogs = new Map<string, () => Promise<Catalog>>();
/** The catalog; of one area (only what it offers) when given. Once per page load and area. */
export function loadCatalog(area: string | null = null): Promise<Catalog> {
  const key = area ?? '';
  let load = catalogs.get(key);
  if (!load) {
    load = once(() => unwrap(api.publicClient.GET('/api/v1/public/catalog', { params: { query: area ? { area } : {} } })));
    catalogs.set(key, load);
  }
  return load();
}
/** The catalog of an area, or everywhere's when the server no longer knows the area. */
export const loadAreaCatalog = inArea(loadCatalog, unknownArea);

/** Search (or a category in another order) in an area, as `loadAreaCatalog` falls back. */
export const searchCatalog = (listing: Listing, area: string | null): Promise<InArea<ItemView[]>> =>
  inArea(
    async (a) => (await unwrap(api.publicClient.GET('/api/v1/public/catalog/search', { params: { query: searchQuery(listing, a) } }))).items,
    unknownArea,
  )(area);
export const loadAreas: () => Promise<AreaView[]> = once(() => unwrap(api.publicClient.GET('/api/v1/public/areas')));

/** The server's price of a line, in the prices of the area given (see `quoter`). */
export const quoteLine = quoter(
  (body): Promise<QuoteView> => unwrap(api.publicClient.POST('/api/v1/public/quote', { body })),
  (e) =>
    (e instanceof ApiError && e.fieldErrors.find((f) => f.field === 'area_code' || (f.field === 'item' && f.code === 'not_offered_here'))?.code) || null,
);

/**
 * The current promotions (not stopped, sales not closed) with the places left: those of an
 * area (and those of every area) when given. Asked afresh by each page: places go fast.
 */
export const loadPromotions = (area: string | null = null): Promise<PublicPromotion[]> =>
  unwrap(api.publicClient.GET('/api/v1/public/promotions', { params: { query: area ? { area } : {} } }));

/** Which feature flags are on for this customer (or this visitor) looking at `area`. */
export const loadFlags = async (area: string | null): Promise<Record<string, boolean>> => {
  const query = { params: { query: area ? { area } : {} } };
  const r = await unwrap(api.session.signedIn ? api.client.GET('/api/v1/public/flags', query) : api.publicClient.GET('/api/v1/public/flags', query));
  return r.flags;
};

export const loadOrder = (id: string): Promise<OrderView> =>
  unwrap(api.client.GET('/api/v1/customer/orders/{id}', { params: { path: { id } } }));

export const loadAddresses = (): Promise<AddressView[]> => unwrap(api.client.GET('/api/v1/customer/addresses'));

/** The windows of the coming week for these lines at this address. */
export const loadSlots = (items: LineInput[], addressId: string): Promise<SlotsView> =>
  unwrap(api.client.POST('/api/v1/customer/slots', { body: { items, address_id: addressId, days: 7 } }));

/** The windows an order can be moved to. */
export const loadOrderSlots = (id: string): Promise<SlotsView> =>
  unwrap(api.client.GET('/api/v1/customer/orders/{id}/slots', { params: { path: { id }, query: { days: 7 } } }));

/** Uploads a photo (shrunk first) for a booking, an after-sales request or a review. */
export async function uploadPhoto(file: File, purpose: 'problem' | 'after_sales' | 'review'): Promise<UploadView> {
  const blob = await shrinkImage(file);
  const form = new FormData();
  form.append('purpose', purpose);
  form.append('file', blob, blob === file ? file.name : `${file.name.replace(/\.\w+$/, '')}.jpg`);
  return unwrap(
    api.client.POST('/api/v1/customer/uploads', {
      // The typed body describes the form's fields; the browser writes the multipart itself.
      body: form as unknown as { file: string; purpose?: string | null },
      bodySerializer: (b) => b as unknown as FormData,
    }),
  );
}

/**
 * The channels this server can take online payments through (`pay_channels` of the public
 * configuration), once per page load; none when online payment is off.
 */
export const loadPayChannels: () => Promise<string[]> = once(async () => (await unwrap(api.publicClient.GET('/api/v1/public/config'))).pay_channels);

/** Opens a payment of what the order owes now; the same key returns the same payment. */
export const openPayment = (orderId: string, channel: string, idempotencyKey: string): Promise<PaymentView> =>
  unwrap(
    api.client.POST('/api/v1/orders/{id}/payments', {
      params: { path: { id: orderId }, header: { 'Idempotency-Key': idempotencyKey } },
      body: { channel },
    }),
  );

/** One payment of an order, as it stands. */
export const loadPayment = (orderId: string, paymentId: string): Promise<PaymentView> =>
  unwrap(api.client.GET('/api/v1/orders/{id}/payments/{payment_id}', { params: { path: { id: orderId, payment_id: paymentId } } }));

/**
 * Starts WeChat's silent web authorisation (for paying inside WeChat): the URL to send the
 * browser to, which comes back to `redirectUri` with `code` and `state`.
 */
export const authorizeWechat = (redirectUri: string) =>
  unwrap(api.client.POST('/api/v1/customer/wechat/authorize', { body: { redirect_uri: redirectUri } }));

/** Takes back WeChat's authorisation: the server checks the state and keeps the payer's WeChat account. */
export const bindWechat = (code: string, state: string) => unwrap(api.client.PUT('/api/v1/customer/wechat', { body: { code, state } }));
