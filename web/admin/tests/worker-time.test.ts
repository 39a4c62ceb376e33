import { describe, expect, it } from 'vitest';
import { fromHm, toHm } from '../src/pages/worker/time';

describe('shift times in the worker pages', () => {
  it('turn minutes after midnight into HH:MM and back', () => {
    for (const m of [0, 9 * 60 + 5, 12 * 60, 23 * 60 + 59, 1440]) expect(fromHm(toHm(m))).toBe(m);
    expect(toHm(8 * 60 + 30)).toBe('08:30');
    expect(toHm(null)).toBe('');
  });

  it('refuse text that is not a time of day', () => {
    for (const bad of ['', '8', '8:5', '08:60', '24:01', '25:00', 'noon']) expect(fromHm(bad)).toBeNull();
    expect(fromHm(' 9:15 ')).toBe(555);
  });
});
