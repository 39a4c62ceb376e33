/**
 * The booking being put together: the item and its choices (from the item page), the
 * address, the window, notes and photos. It lives for the tab (sessionStorage), so adding
 * an address halfway or reloading the page loses nothing, and ends when the order is
 * placed. `validateBooking` says what is missing, field by field, before anything is sent.
 */
import { reactive, watch } from 'vue';
import { newIdempotencyKey } from '@daojia/shared';
import type { Choices } from '../catalog';

/** Limits the server enforces too (PlaceOrder): checked here so the form says so first. */
export const MAX_ITEMS = 5;
export const MAX_NOTES = 500;
export const MAX_PHOTOS = 6;

export type PhotoStatus = 'uploading' | 'done' | 'failed';

export interface DraftPhoto {
  /** Local key (the upload's id once it is done). */
  key: string;
  status: PhotoStatus;
  /** The upload id the order refers to. */
  id: string | null;
  /** The server's URL once uploaded (fetched with the token), empty before. */
  url: string;
  /** A local preview (object URL) while this page lives; not kept across reloads. */
  preview?: string;
  /** Why the upload failed. */
  error?: string;
}

export interface DraftLine {
  item: string;
  choices: Choices;
  quantity: number;
}

export interface BookingDraft {
  lines: DraftLine[];
  addressId: string | null;
  windowStart: string | null;
  notes: string;
  photos: DraftPhoto[];
  /** One key per intended order: kept across retries after a network error or a 5xx. */
  idempotencyKey: string;
}

/** The message keys of what is wrong, by the API's field names. */
export type BookingErrors = Partial<Record<'items' | 'address_id' | 'window_start' | 'notes' | 'photo_ids', { key: string; named?: Record<string, unknown> }>>;

export function validateBooking(d: Pick<BookingDraft, 'lines' | 'addressId' | 'windowStart' | 'notes' | 'photos'>): BookingErrors {
  const errors: BookingErrors = {};
  if (d.lines.length === 0) errors.items = { key: 'booking.errors.items' };
  else if (d.lines.length > MAX_ITEMS) errors.items = { key: 'booking.errors.itemsCount', named: { max: MAX_ITEMS } };
  if (!d.addressId) errors.address_id = { key: 'booking.errors.address' };
  if (!d.windowStart) errors.window_start = { key: 'booking.errors.window' };
  // Characters as the server counts them (code points), not UTF-16 units.
  if ([...d.notes].length > MAX_NOTES) errors.notes = { key: 'booking.errors.notes', named: { max: MAX_NOTES } };
  if (d.photos.length > MAX_PHOTOS) errors.photo_ids = { key: 'booking.errors.photos', named: { max: MAX_PHOTOS } };
  else if (d.photos.some((p) => p.status === 'uploading')) errors.photo_ids = { key: 'booking.errors.photosPending' };
  else if (d.photos.some((p) => p.status === 'failed')) errors.photo_ids = { key: 'booking.errors.photosFailed' };
  return errors;
}

/** True when the lines are the same booking (so address and window can be kept). */
export function sameLines(a: DraftLine[], b: DraftLine[]): boolean {
  const key = (l: DraftLine) => `${l.item}|${l.quantity}|${Object.entries(l.choices).sort().map(([o, c]) => `${o}:${c}`).join(',')}`;
  return a.length === b.length && a.every((l, i) => key(l) === key(b[i]));
}

const STORAGE_KEY = 'daojia.customer.booking';

function fresh(): BookingDraft {
  return { lines: [], addressId: null, windowStart: null, notes: '', photos: [], idempotencyKey: newIdempotencyKey() };
}

function restore(): BookingDraft {
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY);
    if (!raw) return fresh();
    const d = JSON.parse(raw) as Partial<BookingDraft>;
    return {
      ...fresh(),
      ...d,
      // Uploads in flight when the page went away never finish: keep only finished ones,
      // and not their previews (object URLs die with the page).
      photos: (d.photos ?? []).filter((p) => p.status === 'done' && p.id).map((p) => ({ ...p, preview: undefined })),
    };
  } catch {
    return fresh();
  }
}

/** The draft of this tab (one booking at a time). */
export const draft = reactive<BookingDraft>(typeof sessionStorage === 'undefined' ? fresh() : restore());

if (typeof sessionStorage !== 'undefined') {
  watch(
    draft,
    (d) => {
      // Local previews (blob: URLs) die with the page; do not keep them.
      const photos = d.photos.filter((p) => p.status === 'done').map((p) => ({ ...p, preview: undefined }));
      sessionStorage.setItem(STORAGE_KEY, JSON.stringify({ ...d, photos }));
    },
    { deep: true },
  );
}

/** Starts a booking of these lines, keeping address, window and notes if it is the same one. */
export function startBooking(lines: DraftLine[]): void {
  if (sameLines(draft.lines, lines)) return;
  Object.assign(draft, { ...fresh(), lines, addressId: draft.addressId, notes: draft.notes });
}

/** A refused order (4xx) is final for its key: the corrected booking is a new attempt. */
export function renewKey(): void {
  draft.idempotencyKey = newIdempotencyKey();
}

/** Forgets the booking once it became an order. */
export function endBooking(): void {
  Object.assign(draft, fresh());
  sessionStorage.removeItem(STORAGE_KEY);
}
