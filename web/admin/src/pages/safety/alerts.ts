/**
 * The console's safety page (安全警报, docs/visit.md): how old an alert is, where to look on
 * a map, and which actions an alert offers. Positions are WGS-84 as the API gives them;
 * the map link converts them to GCJ-02, the datum Chinese maps draw in.
 */
import { wgs84ToGcj02 } from '../../../../shared/src/map/coords';

/** An alert's status. */
export type AlertStatus = 'open' | 'acknowledged' | 'resolved';

/** Whole minutes since `at` (0 for a time in the future or unreadable). */
export function ageMinutes(at: string, now: number): number {
  const t = Date.parse(at);
  if (Number.isNaN(t) || t > now) return 0;
  return Math.floor((now - t) / 60_000);
}

/** The age as the page shows it: minutes under an hour, hours under a day, else days. */
export function ageParts(minutes: number): { unit: 'minutes' | 'hours' | 'days'; n: number } {
  if (minutes < 60) return { unit: 'minutes', n: minutes };
  if (minutes < 24 * 60) return { unit: 'hours', n: Math.floor(minutes / 60) };
  return { unit: 'days', n: Math.floor(minutes / (24 * 60)) };
}

/** A link that opens the position on AMap's web map (a marker named `name`). */
export function mapLink(p: { lat: number; lng: number } | null | undefined, name: string): string | null {
  if (!p || !Number.isFinite(p.lat) || !Number.isFinite(p.lng)) return null;
  const g = wgs84ToGcj02(p);
  const q = new URLSearchParams({ position: `${g.lng.toFixed(6)},${g.lat.toFixed(6)}`, name, coordinate: 'gaode', callnative: '0' });
  return `https://uri.amap.com/marker?${q.toString()}`;
}

/** What staff may do with an alert in `status`. */
export function actionsFor(status: string): { acknowledge: boolean; resolve: boolean } {
  return { acknowledge: status === 'open', resolve: status === 'open' || status === 'acknowledged' };
}

/** The tag type of a status. */
export function statusTag(status: string): 'danger' | 'warning' | 'success' {
  return status === 'open' ? 'danger' : status === 'acknowledged' ? 'warning' : 'success';
}

/** 分 as yuan. */
export function yuan(fen: number): string {
  return (fen / 100).toFixed(2);
}
