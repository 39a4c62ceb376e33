import { describe, expect, it } from 'vitest';
import { countByKind, sinceMinutes } from '../src/pages/exceptions/kinds';

describe('the exceptions queue', () => {
  it('counts rows per kind for the tabs, unknown kinds only in all', () => {
    const rows = [{ kind: 'late' }, { kind: 'late' }, { kind: 'unpaid' }, { kind: 'visit_cancelled' }, { kind: 'meteor' }];
    expect(countByKind(rows)).toEqual({ all: 5, late: 2, visit_cancelled: 1, unassigned_near_start: 0, unpaid: 1 });
  });

  it('says how long ago, or how long until, in whole minutes', () => {
    const now = Date.parse('2026-11-26T10:00:00Z');
    expect(sinceMinutes('2026-11-26T09:17:30Z', now)).toBe(42);
    expect(sinceMinutes('2026-11-26T10:40:00Z', now)).toBe(-40);
    expect(sinceMinutes('2026-11-26T10:00:20Z', now)).toBe(-1);
    expect(sinceMinutes('garbage', now)).toBe(0);
  });
});
