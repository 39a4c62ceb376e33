/**
 * Photos for the service record (服务记录), made small on the phone before they go up: a
 * phone's 12-megapixel picture is redrawn on a canvas with its longest edge at most
 * `MAX_EDGE` pixels and saved as a JPEG of quality `QUALITY` (a few hundred kB instead of
 * several MB, which matters on a weak signal at the door; redrawing also leaves the
 * picture's EXIF, GPS position included, behind). The upload is then tried again with a
 * growing pause when the network fails or the server errs, and not when it refuses.
 *
 * The arithmetic (`fitWithin`, `backoff`) and the retry loop (`withRetry`) are pure and
 * tested; `compressImage` needs a browser.
 */
import { retryable as networkOrServer } from './queue';

/** Longest edge of a record photo, pixels. */
export const MAX_EDGE = 1600;
/** JPEG quality of a record photo (0–1). */
export const QUALITY = 0.8;

/** The size that fits `width`×`height` within `maxEdge` on its longest side, keeping the shape; never enlarged. */
export function fitWithin(width: number, height: number, maxEdge = MAX_EDGE): { width: number; height: number } {
  if (!(width > 0) || !(height > 0)) return { width: 0, height: 0 };
  const scale = Math.min(1, maxEdge / Math.max(width, height));
  return {
    width: Math.max(1, Math.round(width * scale)),
    height: Math.max(1, Math.round(height * scale)),
  };
}

/** The pause before try `attempt` (1 for the first retry): doubling from `baseMs`, at most `capMs`. */
export function backoff(attempt: number, baseMs = 1000, capMs = 15000): number {
  return Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
}

/** Options of `withRetry`. */
export interface RetryOptions {
  /** Tries in all (default 4). */
  attempts?: number;
  /** Waits `ms` (injected in tests). */
  sleep?: (ms: number) => Promise<void>;
  /** Told before each retry (to show "重试中 2/4"). */
  onRetry?: (attempt: number, error: unknown) => void;
  /** Whether an error is worth another try (default: no answer, or a server error; a refusal is final). */
  retryable?: (e: unknown) => boolean;
  /** Pause of a retry (default `backoff`). */
  delay?: (attempt: number) => number;
}

const wait = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Runs `fn` until it succeeds, a refusal, or `attempts` tries; pauses between tries grow. */
export async function withRetry<T>(fn: () => Promise<T>, o: RetryOptions = {}): Promise<T> {
  const attempts = o.attempts ?? 4;
  const sleep = o.sleep ?? wait;
  const retryable = o.retryable ?? networkOrServer;
  const delay = o.delay ?? ((a: number) => backoff(a));
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (attempt >= attempts || !retryable(e)) throw e;
      o.onRetry?.(attempt, e);
      await sleep(delay(attempt));
    }
  }
}

/** A name for the compressed file: the original's stem with `.jpg`. */
export function jpegName(name: string): string {
  const stem = name.replace(/\.[^./\\]*$/, '') || 'photo';
  return `${stem}.jpg`;
}

/**
 * The photo redrawn within `maxEdge` as a JPEG of `quality` (browser only). A file the
 * browser cannot decode is returned as it is, for the server to judge.
 */
export async function compressImage(file: Blob, maxEdge = MAX_EDGE, quality = QUALITY): Promise<Blob> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  } catch {
    return file;
  }
  const size = fitWithin(bitmap.width, bitmap.height, maxEdge);
  const canvas = document.createElement('canvas');
  canvas.width = size.width;
  canvas.height = size.height;
  const ctx = canvas.getContext('2d');
  if (!ctx) {
    bitmap.close();
    return file;
  }
  ctx.drawImage(bitmap, 0, 0, size.width, size.height);
  bitmap.close();
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/jpeg', quality));
  return blob ?? file;
}
