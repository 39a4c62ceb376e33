import { describe, expect, it } from 'vitest';
import { ApiError } from '@daojia/shared';
import { codeComplete, codeInput, codeRefusal, fence, fenceRefusal, fixFailure, locate, nextStep, type Locator } from '../src/visit';

const problem = (status: number, code: string, errors: { field: string; code: string; message: string }[] = []) =>
  new ApiError({ type: 'about:blank', title: 'x', status, code, detail: null, errors, request_id: null });

describe('the steps of a job', () => {
  it('follows the order state', () => {
    expect(nextStep('accepted')).toBe('depart');
    expect(nextStep('en_route')).toBe('check_in');
    expect(nextStep('arrived')).toBe('start');
    expect(nextStep('in_service')).toBe('finish');
    expect(nextStep('pending_settlement')).toBeNull();
    expect(nextStep('pending_accept')).toBeNull();
  });
});

describe('the position', () => {
  const fakeOk = (lat: number, lng: number, accuracy: number): Locator => ({
    getCurrentPosition: (ok, _fail, options) => {
      expect(options?.enableHighAccuracy).toBe(true);
      ok({ coords: { latitude: lat, longitude: lng, accuracy } });
    },
  });
  const fakeFail = (code: number): Locator => ({ getCurrentPosition: (_ok, fail) => fail({ code }) });

  it('reads one precise fix', async () => {
    await expect(locate(fakeOk(31.23, 121.47, 12))).resolves.toEqual({ lat: 31.23, lng: 121.47, accuracy: 12 });
    await expect(locate(fakeOk(31.23, 121.47, Number.NaN))).resolves.toMatchObject({ accuracy: null });
  });

  it('says why there is none', async () => {
    const why = async (l: Locator | null) => fixFailure(await locate(l).catch((e: unknown) => e));
    expect(await why(fakeFail(1))).toBe('denied');
    expect(await why(fakeFail(2))).toBe('unavailable');
    expect(await why(fakeFail(3))).toBe('timeout');
    expect(await why(null)).toBe('unsupported');
  });

  it('measures the distance from the address against the fence', () => {
    const home = { lat: 31.2304, lng: 121.4737 };
    const north = (m: number) => ({ lat: home.lat + m / 111_195, lng: home.lng });
    expect(fence(north(120), home, 300)).toEqual({ distanceM: 120, inside: true });
    expect(fence(north(300), home, 300).inside).toBe(true);
    expect(fence(north(850), home, 300)).toEqual({ distanceM: 850, inside: false });
  });
});

describe('a check-in outside the fence', () => {
  it('asks for what the server named', () => {
    const both = problem(422, 'validation_failed', [
      { field: 'reason', code: 'outside_fence_reason_required', message: 'outside the check-in fence: 1200 m from the address (allowed: 300 m): say why' },
      { field: 'photo_upload_id', code: 'outside_fence_photo_required', message: 'outside the check-in fence: 1200 m from the address (allowed: 300 m): add a photo at the door' },
    ]);
    expect(fenceRefusal(both)).toEqual({ reason: true, photo: true, message: 'outside the check-in fence: 1200 m from the address (allowed: 300 m)' });
    const photo = problem(422, 'validation_failed', [{ field: 'photo_upload_id', code: 'outside_fence_photo_required', message: 'x: add a photo at the door' }]);
    expect(fenceRefusal(photo)).toEqual({ reason: false, photo: true, message: 'x' });
  });

  it('leaves other refusals alone', () => {
    expect(fenceRefusal(problem(409, 'invalid_state'))).toBeNull();
    expect(fenceRefusal(problem(422, 'validation_failed', [{ field: 'lat', code: 'invalid_position', message: 'm' }]))).toBeNull();
    expect(fenceRefusal(new Error('x'))).toBeNull();
  });
});

describe('the door check code', () => {
  it('keeps digits only, full-width read as digits, at most six', () => {
    expect(codeInput('12 34-56')).toBe('123456');
    expect(codeInput('１２３４')).toBe('1234');
    expect(codeInput('1234567')).toBe('123456');
    expect(codeInput('abc')).toBe('');
    expect(codeComplete('1234')).toBe(true);
    expect(codeComplete('123')).toBe(false);
    expect(codeComplete('123456')).toBe(true);
  });

  it('tells a wrong code, with the tries left, from a locked one', () => {
    const wrong = problem(422, 'validation_failed', [{ field: 'code', code: 'wrong_door_code', message: 'the door check code is wrong: 2 more tries' }]);
    expect(codeRefusal(wrong)).toEqual({ kind: 'wrong', left: 2 });
    expect(codeRefusal(problem(409, 'door_code_locked'))).toEqual({ kind: 'locked' });
    expect(codeRefusal(problem(409, 'invalid_state'))).toBeNull();
  });
});
