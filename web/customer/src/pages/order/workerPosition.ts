/**
 * Where the worker is on the way (docs/location.md): the last position the server has,
 * its age and the travel time to the address. The server answers only while the visit is
 * `en_route`; a phone with its screen locked sends nothing, so the age grows and the page
 * says how old the position is instead of pretending it is live.
 */

/** Older than this, the position is shown as stale. */
export const STALE_SECS = 120;

/** What the page shows of one visit's worker. */
export interface PositionView {
  /** Minutes to the door by the travel model, when known. */
  etaMin: number | null;
  /** Seconds since the position was measured, now. */
  ageSecs: number;
  /** Old enough to say so. */
  stale: boolean;
}

/** The view of a track answer fetched `fetchedAt` (ms) at `now` (ms); null without a position. */
export function positionView(
  track: { last?: { age_secs: number } | null; eta_secs?: number | null },
  fetchedAt: number,
  now: number,
): PositionView | null {
  if (!track.last) return null;
  const ageSecs = track.last.age_secs + Math.max(0, Math.round((now - fetchedAt) / 1000));
  return {
    etaMin: track.eta_secs === null || track.eta_secs === undefined ? null : Math.max(1, Math.round(track.eta_secs / 60)),
    ageSecs,
    stale: ageSecs > STALE_SECS,
  };
}

/** The age in words' parts: under a minute, or whole minutes. */
export function ageParts(secs: number): { unit: 'now' | 'min'; n: number } {
  return secs < 60 ? { unit: 'now', n: 0 } : { unit: 'min', n: Math.floor(secs / 60) };
}
