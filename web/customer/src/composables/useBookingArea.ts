/**
 * The service area of the address a booking would go to (the one being booked, else the
 * default one we serve): whose catalog and prices a signed-in customer sees. `known` turns
 * true once that is settled (at once when signed out; a failed address load counts as none),
 * so pages can wait for it instead of showing everywhere's first.
 */
import { ref } from 'vue';
import { api, loadAddresses } from '../api';
import { bookingAddress } from '../booking/address';
import { draft } from '../booking/draft';

export function useBookingArea() {
  const area = ref<string | null>(null);
  const known = ref(!api.session.signedIn);
  if (api.session.signedIn) {
    loadAddresses()
      .then((list) => {
        area.value = bookingAddress(list, draft.addressId)?.area_code ?? null;
      })
      .catch(() => undefined)
      .finally(() => {
        known.value = true;
      });
  }
  return { area, known };
}
