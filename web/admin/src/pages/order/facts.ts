/** What the console's order page shows of an order besides its raw fields. */
import type { LatLng } from '@daojia/shared/map';

/** The address's pin (WGS-84), or null when the order has no usable position. */
export function orderPin(o: { lat: number; lng: number }): LatLng | null {
  const { lat, lng } = o;
  if (!Number.isFinite(lat) || !Number.isFinite(lng)) return null;
  if (Math.abs(lat) > 90 || Math.abs(lng) > 180 || (lat === 0 && lng === 0)) return null;
  return { lat, lng };
}

/** A working time in whole hours and the minutes left over. */
export function splitMinutes(total: number): { h: number; m: number } {
  const n = Math.max(0, Math.round(total));
  return { h: Math.floor(n / 60), m: n % 60 };
}

/** The message key and values for a working time: "45 分钟", "2 小时", "2 小时 30 分钟". */
export function workingTime(total: number): [key: string, named: Record<string, number>] {
  const { h, m } = splitMinutes(total);
  if (h === 0) return ['orderDetail.minutes', { n: m }];
  if (m === 0) return ['orderDetail.hours', { h }];
  return ['orderDetail.hoursMinutes', { h, m }];
}

/**
 * The street part of the console's address, which the server gives with the house number
 * after it ("衡山路626号 阳光花园 14号楼1802室"), for showing the house number on its own.
 */
export function streetAddress(o: { address: string; house_number: string }): string {
  const house = o.house_number.trim();
  const address = o.address.trim();
  if (house && address.endsWith(` ${house}`)) return address.slice(0, address.length - house.length).trimEnd();
  return address;
}
