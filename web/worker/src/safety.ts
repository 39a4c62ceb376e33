/**
 * Safety at the door (docs/visit.md): when the worker's SOS button shows, and what the
 * "customer not home" (客户不在家) sheet still needs before it is sent. The server decides
 * (its refusals are shown as they come); these only keep the worker from sending what it
 * will refuse.
 */
import { ApiError } from '@daojia/shared';

/** The states of a visit under way, where SOS shows. */
export const SOS_STATES = ['en_route', 'arrived', 'in_service'] as const;

/** Whether the SOS button shows on a job in `state`. */
export function sosShown(state: string): boolean {
  return (SOS_STATES as readonly string[]).includes(state);
}

/** Whether the worker may report the customer not home: at the door, before the service. */
export function noShowShown(state: string): boolean {
  return state === 'arrived';
}

/** The calls the server asks for by default (`[visit.no_show] min_calls`). */
export const DEFAULT_MIN_CALLS = 2;

/** What the sheet still needs, in the order it shows them. */
export type NoShowMissing = 'position' | 'calls' | 'photo';

/** What a no-show report still lacks. */
export function noShowMissing(a: { hasFix: boolean; calls: number; hasPhoto: boolean }, minCalls = DEFAULT_MIN_CALLS): NoShowMissing[] {
  const out: NoShowMissing[] = [];
  if (!a.hasFix) out.push('position');
  if (a.calls < minCalls) out.push('calls');
  if (!a.hasPhoto) out.push('photo');
  return out;
}

/** The server's refusal of a no-show as the sheet shows it: too early (with when), or field messages. */
export function noShowRefusal(err: unknown): { tooEarly: string | null; fields: Record<string, string> } | null {
  if (!(err instanceof ApiError)) return null;
  if (err.status === 409 && err.code === 'no_show_too_early') {
    return { tooEarly: err.fieldErrors[0]?.message ?? err.message, fields: {} };
  }
  if (err.status !== 422) return null;
  const fields: Record<string, string> = {};
  for (const f of err.fieldErrors) fields[f.field] ??= f.message;
  return { tooEarly: null, fields };
}

/** 分 as yuan with two decimals. */
export function yuan(fen: number): string {
  return (fen / 100).toFixed(2);
}
