import { describe, expect, it } from 'vitest';
import { MAX_NOTES, MAX_PHOTOS, sameLines, validateBooking, type DraftPhoto } from '../src/booking/draft';
import { addressBody, bookingAddress, emptyAddress, pinError, validateAddress } from '../src/booking/address';
import { fitWithin } from '../src/booking/photos';

const line = { item: 'deep_cleaning', choices: { area: '60_90' }, quantity: 1 };
const ok = { lines: [line], addressId: 'a1', windowStart: '2026-11-27T01:00:00Z', notes: '', photos: [] as DraftPhoto[] };
const photo = (status: DraftPhoto['status']): DraftPhoto => ({ key: status, status, id: status === 'done' ? 'u1' : null, url: 'blob:x' });

describe('validateBooking', () => {
  it('accepts a complete booking', () => {
    expect(validateBooking(ok)).toEqual({});
  });

  it('names every missing part by the API’s field name', () => {
    expect(Object.keys(validateBooking({ ...ok, lines: [], addressId: null, windowStart: null })).sort()).toEqual(['address_id', 'items', 'window_start']);
  });

  it('counts notes in characters as the server does (an emoji is one)', () => {
    expect(validateBooking({ ...ok, notes: '好'.repeat(MAX_NOTES) }).notes).toBeUndefined();
    expect(validateBooking({ ...ok, notes: '🧹'.repeat(MAX_NOTES) }).notes).toBeUndefined();
    expect(validateBooking({ ...ok, notes: 'x'.repeat(MAX_NOTES + 1) }).notes).toEqual({ key: 'booking.errors.notes', named: { max: MAX_NOTES } });
  });

  it('waits for uploads and refuses failed or too many photos', () => {
    expect(validateBooking({ ...ok, photos: [photo('done'), photo('uploading')] }).photo_ids?.key).toBe('booking.errors.photosPending');
    expect(validateBooking({ ...ok, photos: [photo('failed')] }).photo_ids?.key).toBe('booking.errors.photosFailed');
    expect(validateBooking({ ...ok, photos: Array.from({ length: MAX_PHOTOS + 1 }, () => photo('done')) }).photo_ids?.key).toBe('booking.errors.photos');
    expect(validateBooking({ ...ok, photos: Array.from({ length: MAX_PHOTOS }, () => photo('done')) })).toEqual({});
  });

  it('refuses more items than one order takes', () => {
    expect(validateBooking({ ...ok, lines: Array.from({ length: 6 }, () => line) }).items?.key).toBe('booking.errors.itemsCount');
  });
});

describe('sameLines', () => {
  it('ignores the order of choices but not their values or the quantity', () => {
    const a = { item: 'x', choices: { a: '1', b: '2' }, quantity: 1 };
    expect(sameLines([a], [{ ...a, choices: { b: '2', a: '1' } }])).toBe(true);
    expect(sameLines([a], [{ ...a, choices: { a: '1', b: '3' } }])).toBe(false);
    expect(sameLines([a], [{ ...a, quantity: 2 }])).toBe(false);
    expect(sameLines([], [a])).toBe(false);
  });
});

describe('the address form', () => {
  const filled = { ...emptyAddress(), contact_name: '王女士', contact_phone: '13800138000', address: '漕溪北路 88 号', pin: { lat: 31.19, lng: 121.44 } };

  it('accepts a complete address', () => {
    expect(validateAddress(filled)).toEqual({});
  });

  it('requires the contact, a mobile number, the address and the pin', () => {
    expect(validateAddress(emptyAddress())).toEqual({
      contact_name: 'addresses.required',
      contact_phone: 'addresses.phoneInvalid',
      address: 'addresses.required',
      lat: 'addresses.pinRequired',
    });
  });

  it('applies the server’s lengths', () => {
    const e = validateAddress({ ...filled, label: 'x'.repeat(17), contact_name: 'x'.repeat(33), house_number: 'x'.repeat(65), address: 'x' });
    expect(Object.keys(e).sort()).toEqual(['address', 'contact_name', 'house_number', 'label']);
  });

  it('sends WGS-84, trimmed, and no label when none was chosen', () => {
    const body = addressBody({ ...filled, contact_name: ' 王女士 ' });
    expect(body).toMatchObject({ contact_name: '王女士', lat: 31.19, lng: 121.44, coord: 'wgs84', label: null });
  });

  it('shows the server’s coordinate errors at the pin', () => {
    expect(pinError({ lng: 'out of range' })).toBe('out of range');
    expect(pinError({ address: 'x' })).toBeUndefined();
  });
});
describe('fitWithin', () => {
  it('shrinks the longer side to the limit and keeps the shape', () => {
    expect(fitWithin(4000, 3000, 1600)).toEqual({ width: 1600, height: 1200 });
    expect(fitWithin(3000, 4000, 1600)).toEqual({ width: 1200, height: 1600 });
    expect(fitWithin(800, 600, 1600)).toEqual({ width: 800, height: 600 });
  });
});

describe('the address a booking goes to', () => {
  const home = { id: 'home', is_default: true, area_code: null };
  const office = { id: 'office', is_default: false, area_code: 'sh-xuhui' };
  const parents = { id: 'parents', is_default: false, area_code: 'sh-pudong' };

  it('is the one chosen while it is still saved', () => {
    expect(bookingAddress([home, office, parents], 'parents')).toBe(parents);
    expect(bookingAddress([home, office], 'home')).toBe(home);
    expect(bookingAddress([home, office], 'deleted')).toBeNull();
  });

  it('is otherwise the default one if served, else the first one served', () => {
    expect(bookingAddress([office, { ...parents, is_default: true }], null)?.id).toBe('parents');
    expect(bookingAddress([home, office, parents], null)).toBe(office);
    expect(bookingAddress([home], null)).toBeNull();
    expect(bookingAddress([], null)).toBeNull();
  });
});
