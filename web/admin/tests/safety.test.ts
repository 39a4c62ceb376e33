import { describe, expect, it } from 'vitest';
import { actionsFor, ageMinutes, ageParts, mapLink, statusTag, yuan } from '../src/pages/safety/alerts';

describe('the safety alerts page', () => {
  it('tells an alert’s age in minutes, hours or days', () => {
    const now = Date.parse('2026-12-06T10:00:00Z');
    expect(ageMinutes('2026-12-06T09:17:30Z', now)).toBe(42);
    expect(ageMinutes('2026-12-06T10:05:00Z', now)).toBe(0);
    expect(ageMinutes('nonsense', now)).toBe(0);
    expect(ageParts(42)).toEqual({ unit: 'minutes', n: 42 });
    expect(ageParts(130)).toEqual({ unit: 'hours', n: 2 });
    expect(ageParts(3 * 24 * 60 + 5)).toEqual({ unit: 'days', n: 3 });
  });

  it('links a position to the map in GCJ-02, and nothing without one', () => {
    const link = mapLink({ lat: 31.2, lng: 121.45 }, 'D1');
    expect(link).not.toBeNull();
    const q = new URL(link!).searchParams;
    const [lng, lat] = q.get('position')!.split(',').map(Number);
    // Shanghai moves a few hundred metres east and south-ish in GCJ-02.
    expect(lng).toBeGreaterThan(121.45);
    expect(Math.abs(lat - 31.2)).toBeLessThan(0.01);
    expect(q.get('name')).toBe('D1');
    expect(mapLink(null, 'D1')).toBeNull();
    expect(mapLink({ lat: Number.NaN, lng: 1 }, 'D1')).toBeNull();
  });

  it('offers acknowledging an open alert and resolving any not yet resolved', () => {
    expect(actionsFor('open')).toEqual({ acknowledge: true, resolve: true });
    expect(actionsFor('acknowledged')).toEqual({ acknowledge: false, resolve: true });
    expect(actionsFor('resolved')).toEqual({ acknowledge: false, resolve: false });
    expect(statusTag('open')).toBe('danger');
    expect(statusTag('resolved')).toBe('success');
    expect(yuan(12345)).toBe('123.45');
  });
});
