import { describe, expect, it } from 'vitest';
import { backoff, fitWithin, jpegName, withRetry } from '../src/photo';
import { progress, readMaterial, toggle } from '../src/record';

describe('record photos made small on the phone', () => {
  it('fits the longest edge within 1600 px, keeps the shape and never enlarges', () => {
    expect(fitWithin(4032, 3024)).toEqual({ width: 1600, height: 1200 });
    expect(fitWithin(3024, 4032)).toEqual({ width: 1200, height: 1600 });
    expect(fitWithin(800, 600)).toEqual({ width: 800, height: 600 });
    expect(fitWithin(10000, 10, 1600)).toEqual({ width: 1600, height: 2 });
    expect(fitWithin(0, 600)).toEqual({ width: 0, height: 0 });
    expect(fitWithin(Number.NaN, 600)).toEqual({ width: 0, height: 0 });
  });

  it('waits longer before each retry, up to a cap', () => {
    expect([1, 2, 3, 4, 5, 6].map((a) => backoff(a))).toEqual([1000, 2000, 4000, 8000, 15000, 15000]);
    expect(backoff(3, 500, 1500)).toBe(1500);
  });

  it('names the compressed file .jpg', () => {
    expect(jpegName('IMG_0001.HEIC')).toBe('IMG_0001.jpg');
    expect(jpegName('after')).toBe('after.jpg');
    expect(jpegName('.png')).toBe('photo.jpg');
  });

  it('retries an upload after network failures and server errors, with growing pauses', async () => {
    const waits: number[] = [];
    const retried: number[] = [];
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls++;
        if (calls === 1) throw new TypeError('Failed to fetch');
        if (calls === 2) throw { status: 503, code: 'unavailable' };
        return 'uploaded';
      },
      { sleep: async (ms) => void waits.push(ms), onRetry: (a) => retried.push(a) },
    );
    expect(result).toBe('uploaded');
    expect(calls).toBe(3);
    expect(waits).toEqual([1000, 2000]);
    expect(retried).toEqual([1, 2]);
  });

  it('stops at a refusal and after the last try', async () => {
    let calls = 0;
    const refusal = { status: 415, code: 'not_an_image' };
    await expect(
      withRetry(
        async () => {
          calls++;
          throw refusal;
        },
        { sleep: async () => {} },
      ),
    ).rejects.toBe(refusal);
    expect(calls).toBe(1);
    calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw { status: 0, code: 'network' };
        },
        { attempts: 3, sleep: async () => {} },
      ),
    ).rejects.toEqual({ status: 0, code: 'network' });
    expect(calls).toBe(3);
  });
});

describe('the service record panel', () => {
  it('ticks and unticks steps, kept in order', () => {
    expect(toggle([], 2)).toEqual([2]);
    expect(toggle([2], 0)).toEqual([0, 2]);
    expect(toggle([0, 2], 2)).toEqual([0]);
  });

  it('reads a material or names what is wrong', () => {
    expect(readMaterial(' 清洁剂 ', '1.555', '瓶')).toEqual({ material: { name: '清洁剂', quantity: 1.56, unit: '瓶' } });
    expect(readMaterial('', '1', '瓶')).toEqual({ error: 'record.materialName' });
    expect(readMaterial('抹布', '0', '块')).toEqual({ error: 'record.materialQuantity' });
    expect(readMaterial('抹布', 'abc', '块')).toEqual({ error: 'record.materialQuantity' });
    expect(readMaterial('抹布', '', '块')).toEqual({ error: 'record.materialQuantity' });
    expect(readMaterial('抹布', '2', '')).toEqual({ error: 'record.materialUnit' });
  });

  it('counts the steps done over every line', () => {
    expect(progress([])).toEqual({ done: 0, total: 0 });
    expect(
      progress([
        { steps: ['a', 'b', 'c'], ticked: [0, 2] },
        { steps: ['d'], ticked: [0, 5] },
      ]),
    ).toEqual({ done: 3, total: 4 });
  });
});
