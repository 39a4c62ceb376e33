/**
 * Location tracking while on the way to a job (docs/location.md): with the worker's
 * tracking consent and a job `en_route`, the app watches the phone's position and sends the
 * points in batches to `POST /api/v1/worker/locations`. A batch keeps its id until the
 * server answers, so a batch sent again after a failure (no network, the app killed) is
 * stored once; points wait in a queue kept in `localStorage`, at most `MAX_QUEUED`, the
 * oldest going first when it overflows. A new position is sent at once when the last send
 * is at least `MIN_GAP_MS` old (so the customer's ETA follows the worker), and the queue is
 * retried every `FLUSH_MS`. Tracking stops at check-in and when the worker goes
 * offline; a locked screen gives no positions, and the customer then sees the last one
 * with its age.
 */
import { api } from './api';
import { unwrap } from '@daojia/shared';

/** One point as the server takes it. */
export interface TrackPoint {
  at: string;
  lat: number;
  lng: number;
  accuracy_m: number;
  speed_mps?: number | null;
  heading_deg?: number | null;
  battery_pct?: number | null;
}

/** A batch on its way, with the id it keeps until answered. */
export interface PendingBatch {
  batch_id: string;
  points: TrackPoint[];
}

/** Points per batch (the server takes up to 500). */
export const BATCH = 100;
/** Points kept while the network is away (about 3 hours at one every 5 s). */
export const MAX_QUEUED = 2000;
/** How often the queue is sent, ms. */
export const FLUSH_MS = 15_000;
/** Fixes closer together than this are skipped, ms (the server counts doubles). */
export const MIN_GAP_MS = 4_000;

/** The part of `localStorage` this needs. */
export interface Shelf {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

const KEY = 'daojia.worker.track-queue';

interface Saved {
  pending: PendingBatch | null;
  queue: TrackPoint[];
}

/** The queue of points and the batch in flight, kept on `shelf`. */
export class TrackQueue {
  private pending: PendingBatch | null = null;
  private queue: TrackPoint[] = [];

  constructor(
    private readonly shelf: Shelf | null,
    private readonly newId: () => string = () => crypto.randomUUID(),
  ) {
    try {
      const saved = JSON.parse(shelf?.getItem(KEY) ?? 'null') as Saved | null;
      if (saved) {
        this.pending = saved.pending;
        this.queue = saved.queue ?? [];
      }
    } catch {
      // A corrupt shelf is an empty queue.
    }
  }

  /** Points waiting, the batch in flight included. */
  get size(): number {
    return this.queue.length + (this.pending?.points.length ?? 0);
  }

  /** Adds a point; the oldest waiting one goes when the queue is full. */
  push(p: TrackPoint): void {
    const last = this.queue[this.queue.length - 1];
    if (last && Date.parse(p.at) - Date.parse(last.at) < MIN_GAP_MS) return;
    this.queue.push(p);
    if (this.size > MAX_QUEUED) this.queue.shift();
    this.save();
  }

  /** The batch to send now: the one not yet answered, or a new one from the queue. */
  next(): PendingBatch | null {
    if (!this.pending && this.queue.length > 0) {
      this.pending = { batch_id: this.newId(), points: this.queue.splice(0, BATCH) };
      this.save();
    }
    return this.pending;
  }

  /** The server answered the batch `id` (stored, or refused for good): it is done. */
  done(id: string): void {
    if (this.pending?.batch_id === id) this.pending = null;
    this.save();
  }

  private save(): void {
    try {
      this.shelf?.setItem(KEY, JSON.stringify({ pending: this.pending, queue: this.queue } satisfies Saved));
    } catch {
      // Storage full or disabled: the queue lives in memory only.
    }
  }
}

/**
 * Whether a failed send should be tried again later (no network: no status or the client's
 * status 0; 5xx, 429) or dropped.
 */
export function retryable(err: unknown): boolean {
  const status = (err as { status?: number } | null)?.status;
  return status === undefined || status === 0 || status === 429 || status >= 500;
}

/** A position reading from `watchPosition`. */
export interface Reading {
  coords: { latitude: number; longitude: number; accuracy: number; speed: number | null; heading: number | null };
  timestamp: number;
}

/** A reading as a point. */
export function pointOf(r: Reading): TrackPoint {
  const num = (v: number | null) => (v !== null && Number.isFinite(v) ? v : null);
  return {
    at: new Date(r.timestamp).toISOString(),
    lat: r.coords.latitude,
    lng: r.coords.longitude,
    accuracy_m: Math.min(Number.isFinite(r.coords.accuracy) ? r.coords.accuracy : 500, 500),
    speed_mps: num(r.coords.speed),
    heading_deg: num(r.coords.heading),
  };
}

/** Sends one batch. */
export const sendBatch = (b: PendingBatch) => unwrap(api.client.POST('/api/v1/worker/locations', { body: b }));

/** Sends what waits, batch after batch, until one fails for a reason worth retrying. */
export async function flush(q: TrackQueue, send: (b: PendingBatch) => Promise<unknown>): Promise<void> {
  for (let b = q.next(); b; b = q.next()) {
    try {
      await send(b);
    } catch (err) {
      if (retryable(err)) return;
    }
    q.done(b.batch_id);
  }
}

/** The part of `navigator.geolocation` tracking needs. */
export interface Watcher {
  watchPosition(ok: (r: Reading) => void, fail: (e: unknown) => void, options?: { enableHighAccuracy?: boolean; maximumAge?: number }): number;
  clearWatch(id: number): void;
}

/** Starts watching and sending; returns the function that stops both. */
export function startTracking(
  watcher: Watcher | null | undefined,
  q: TrackQueue = new TrackQueue(typeof localStorage === 'undefined' ? null : localStorage),
  send: (b: PendingBatch) => Promise<unknown> = sendBatch,
): () => void {
  if (!watcher) return () => {};
  // One send at a time; a new position is sent at once when the last send is older than
  // MIN_GAP_MS (the customer's ETA stays fresh), the timer retries what failed.
  let sending = false;
  let lastSend = 0;
  const send1 = async (): Promise<void> => {
    if (sending) return;
    sending = true;
    lastSend = Date.now();
    try {
      await flush(q, send);
    } finally {
      sending = false;
    }
  };
  const id = watcher.watchPosition(
    (r) => {
      q.push(pointOf(r));
      if (Date.now() - lastSend >= MIN_GAP_MS) void send1();
    },
    () => {},
    { enableHighAccuracy: true, maximumAge: 5_000 },
  );
  const timer = setInterval(() => void send1(), FLUSH_MS);
  return () => {
    watcher.clearWatch(id);
    clearInterval(timer);
    void flush(q, send);
  };
}

/** The worker's tracking consent. */
export const loadTrackingConsent = () => unwrap(api.client.GET('/api/v1/worker/me/tracking-consent'));
/** Gives or withdraws it. */
export const setTrackingConsent = (granted: boolean) => unwrap(api.client.PUT('/api/v1/worker/me/tracking-consent', { body: { granted } }));
