/**
 * The address form: its fields, the checks the server makes too (so the form says so next
 * to the field before sending), and the request body. Coordinates are WGS-84 (the map
 * converts at its edge); the pin is required, since the area and travel come from it.
 */
import { isMobilePhone, type AddressInput } from '@daojia/shared';

export interface AddressForm {
  label: string;
  contact_name: string;
  contact_phone: string;
  address: string;
  house_number: string;
  pin: { lat: number; lng: number } | null;
  is_default: boolean;
}

export const LABELS = ['home', 'company', 'parents'] as const;

export function emptyAddress(): AddressForm {
  return { label: '', contact_name: '', contact_phone: '', address: '', house_number: '', pin: null, is_default: false };
}

/** Characters as the server counts them. */
const len = (s: string): number => [...s.trim()].length;

/** Message keys of what is wrong, by the API's field names (`lat` stands for the pin). */
export function validateAddress(f: AddressForm): Record<string, string> {
  const e: Record<string, string> = {};
  if (len(f.label) > 16) e.label = 'common.errors.fields.too_long';
  if (len(f.contact_name) < 1) e.contact_name = 'addresses.required';
  else if (len(f.contact_name) > 32) e.contact_name = 'common.errors.fields.too_long';
  if (!isMobilePhone(f.contact_phone)) e.contact_phone = 'addresses.phoneInvalid';
  if (len(f.address) < 2) e.address = 'addresses.required';
  else if (len(f.address) > 200) e.address = 'common.errors.fields.too_long';
  if (len(f.house_number) > 64) e.house_number = 'common.errors.fields.too_long';
  if (!f.pin) e.lat = 'addresses.pinRequired';
  return e;
}

/** The body of POST/PUT /customer/addresses. */
export function addressBody(f: AddressForm): AddressInput {
  return {
    label: f.label.trim() || null,
    contact_name: f.contact_name.trim(),
    contact_phone: f.contact_phone.trim(),
    address: f.address.trim(),
    house_number: f.house_number.trim(),
    lat: f.pin?.lat ?? 0,
    lng: f.pin?.lng ?? 0,
    coord: 'wgs84',
    is_default: f.is_default,
  };
}

/** Server field names that belong to the pin. */
export function pinError(fields: Record<string, string>): string | undefined {
  return fields.lat ?? fields.lng ?? fields.coord;
}

/**
 * The address a booking goes to: the one chosen while it is still saved; with none chosen,
 * the default address if we serve it, else the first one we serve; else none.
 */
export function bookingAddress<A extends { id: string; is_default: boolean; area_code?: string | null }>(list: A[], chosen: string | null): A | null {
  if (chosen) return list.find((a) => a.id === chosen) ?? null;
  return list.find((a) => a.is_default && a.area_code) ?? list.find((a) => a.area_code) ?? null;
}
