import { describe, expect, it } from 'vitest';
import { ApiError } from '@daojia/shared';
import { noShowMissing, noShowRefusal, noShowShown, sosShown, yuan } from '../src/safety';

describe('safety on a job', () => {
  it('shows SOS during the visit only, and "customer not home" at the door only', () => {
    for (const s of ['en_route', 'arrived', 'in_service']) expect(sosShown(s)).toBe(true);
    for (const s of ['accepted', 'pending_settlement', 'completed', 'cancelled']) expect(sosShown(s)).toBe(false);
    expect(noShowShown('arrived')).toBe(true);
    expect(noShowShown('en_route')).toBe(false);
    expect(noShowShown('in_service')).toBe(false);
  });

  it('says what a no-show report still lacks, calls counted against the minimum', () => {
    expect(noShowMissing({ hasFix: false, calls: 0, hasPhoto: false })).toEqual(['position', 'calls', 'photo']);
    expect(noShowMissing({ hasFix: true, calls: 1, hasPhoto: true })).toEqual(['calls']);
    expect(noShowMissing({ hasFix: true, calls: 2, hasPhoto: true })).toEqual([]);
    expect(noShowMissing({ hasFix: true, calls: 2, hasPhoto: true }, 3)).toEqual(['calls']);
  });

  it("reads the server's refusals: too early with when, or the fields", () => {
    const early = new ApiError({
      type: 'about:blank',
      title: 'Conflict',
      status: 409,
      code: 'no_show_too_early',
      errors: [{ field: 'at', code: 'no_show_too_early', message: 'wait for the customer until 10:15' }],
    });
    expect(noShowRefusal(early)).toEqual({ tooEarly: 'wait for the customer until 10:15', fields: {} });
    const fields = new ApiError({
      type: 'about:blank',
      title: 'Unprocessable',
      status: 422,
      code: 'validation_failed',
      errors: [
        { field: 'call_attempts', code: 'not_enough_calls', message: 'call at least 2 times' },
        { field: 'photo_upload_id', code: 'photo_required', message: 'add a photo' },
      ],
    });
    expect(noShowRefusal(fields)).toEqual({ tooEarly: null, fields: { call_attempts: 'call at least 2 times', photo_upload_id: 'add a photo' } });
    expect(noShowRefusal(new Error('offline'))).toBeNull();
    expect(yuan(3180)).toBe('31.80');
  });
});
