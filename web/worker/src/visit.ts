/**
 * The visit at the door without the pages (docs/visit.md): which step a job is at, the
 * phone's position and its distance from the address, what the server said about a
 * check-in outside the fence, and the door check code as typed. The server decides; this
 * only shows the worker where they stand before they ask.
 */
import { ApiError } from '@daojia/shared';
import { distanceM } from '@daojia/shared/map';

/** A step the worker takes on a job. */
export type VisitStep = 'depart' | 'check_in' | 'start' | 'finish';

/** The worker's next step on a job in `state`; null when there is none in the app. */
export function nextStep(state: string): VisitStep | null {
  switch (state) {
    case 'accepted':
      return 'depart';
    case 'en_route':
      return 'check_in';
    case 'arrived':
      return 'start';
    case 'in_service':
      return 'finish';
    default:
      return null;
  }
}

/** A position from the phone (WGS-84, as browsers give it). */
export interface Fix {
  lat: number;
  lng: number;
  /** Metres. */
  accuracy: number | null;
}

/** Why the phone gave no position. */
export type FixFailure = 'denied' | 'unavailable' | 'timeout' | 'unsupported';

/** The part of `navigator.geolocation` this needs. */
export interface Locator {
  getCurrentPosition(ok: (p: { coords: { latitude: number; longitude: number; accuracy: number } }) => void, fail: (e: { code: number }) => void, options?: { enableHighAccuracy?: boolean; timeout?: number; maximumAge?: number }): void;
}

/** The oldest fix a check-in takes, ms: as fresh as the tracking watch keeps them. */
export const MAX_FIX_AGE_MS = 5_000;

/**
 * One fresh, precise position from `locator` (the browser's geolocation; at most
 * `MAX_FIX_AGE_MS` old, which Chromium answers from the tracking watch's last fix where a
 * demand for a brand-new one is refused while a watch runs), or why there is none: the
 * worker refused (`denied`), the phone could not tell (`unavailable`), or it took longer
 * than `timeoutMs`.
 */
export function locate(locator: Locator | null | undefined, timeoutMs = 15_000): Promise<Fix> {
  return new Promise((resolve, reject) => {
    if (!locator) {
      reject(new Error('unsupported' satisfies FixFailure));
      return;
    }
    locator.getCurrentPosition(
      (p) => resolve({ lat: p.coords.latitude, lng: p.coords.longitude, accuracy: Number.isFinite(p.coords.accuracy) ? p.coords.accuracy : null }),
      (e) => {
        // GeolocationPositionError: 1 denied, 2 unavailable, 3 timeout.
        const why: FixFailure = e.code === 1 ? 'denied' : e.code === 3 ? 'timeout' : 'unavailable';
        reject(new Error(why));
      },
      { enableHighAccuracy: true, timeout: timeoutMs, maximumAge: MAX_FIX_AGE_MS },
    );
  });
}

/** The failure of `locate` as one of its reasons. */
export function fixFailure(err: unknown): FixFailure {
  const m = err instanceof Error ? err.message : '';
  return m === 'denied' || m === 'timeout' || m === 'unsupported' ? m : 'unavailable';
}

/** Where the worker stands against the fence around the job's address. */
export interface FenceView {
  /** Whole metres from the address. */
  distanceM: number;
  /** Within the radius. */
  inside: boolean;
}

/** The distance of `fix` from `at` against a fence of `radiusM` metres. */
export function fence(fix: Pick<Fix, 'lat' | 'lng'>, at: { lat: number; lng: number }, radiusM: number): FenceView {
  const d = Math.round(distanceM(fix, at));
  return { distanceM: d, inside: d <= radiusM };
}

/** What a refused check-in needs from the worker before it is sent again. */
export interface FenceRefusal {
  /** A reason for checking in outside the fence. */
  reason: boolean;
  /** A photo at the door. */
  photo: boolean;
  /** The server's words (the distance, the times). */
  message: string;
}

/**
 * The fields a check-in outside the fence needs (`outside_fence_reason_required`,
 * `outside_fence_photo_required`); null for any other refusal.
 */
export function fenceRefusal(err: unknown): FenceRefusal | null {
  if (!(err instanceof ApiError) || err.status !== 422) return null;
  const codes = new Map(err.fieldErrors.map((f) => [f.code, f.message]));
  const reason = codes.has('outside_fence_reason_required');
  const photo = codes.has('outside_fence_photo_required');
  if (!reason && !photo) return null;
  const message = codes.get('outside_fence_reason_required') ?? codes.get('outside_fence_photo_required') ?? '';
  return { reason, photo, message: message.replace(/: (say why|add a photo at the door)$/, '') };
}

/** The door check code as the worker types it: digits only (full-width read as digits), at most 6. */
export function codeInput(raw: string): string {
  const digits = Array.from(raw)
    .map((c) => {
      const fw = c.charCodeAt(0) - 0xff10;
      return fw >= 0 && fw <= 9 ? String(fw) : c;
    })
    .filter((c) => c >= '0' && c <= '9');
  return digits.slice(0, 6).join('');
}

/** True for a code the server will compare (4 to 6 digits). */
export const codeComplete = (code: string): boolean => /^\d{4,6}$/.test(code);

/** Why a code was not accepted: wrong (with the tries left), or locked; null otherwise. */
export function codeRefusal(err: unknown): { kind: 'wrong'; left: number | null } | { kind: 'locked' } | null {
  if (!(err instanceof ApiError)) return null;
  if (err.code === 'door_code_locked') return { kind: 'locked' };
  const wrong = err.fieldErrors.find((f) => f.field === 'code' && f.code === 'wrong_door_code');
  if (!wrong) return null;
  const n = /(\d+) more/.exec(wrong.message);
  return { kind: 'wrong', left: n ? Number(n[1]) : null };
}
