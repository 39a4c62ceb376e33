import { describe, expect, it } from 'vitest';
import { dayPartOf, dayTabs, firstAvailable, groupByDay, isStillAvailable, windowGroups, type Slots } from '../src/slots';

// Local (Shanghai) 08:00 is 00:00 UTC.
const w = (date: string, hour: number, available = true) => {
  const start = new Date(`${date}T00:00:00Z`);
  start.setUTCHours(hour - 8);
  const end = new Date(start.getTime() + 3_600_000);
  return { start: start.toISOString(), end: end.toISOString(), available };
};

const slots: Slots = {
  timezone: 'Asia/Shanghai',
  days: [
    { date: '2026-11-26', windows: [w('2026-11-26', 19, false), w('2026-11-26', 20, false)] },
    { date: '2026-11-27', windows: [w('2026-11-27', 14), w('2026-11-27', 9, false), w('2026-11-27', 10), w('2026-11-27', 19)] },
  ],
};

describe('dayTabs', () => {
  it('counts free windows and greys out a full day', () => {
    expect(dayTabs(slots)).toEqual([
      { date: '2026-11-26', free: 0, disabled: true },
      { date: '2026-11-27', free: 3, disabled: false },
    ]);
  });
});

describe('firstAvailable', () => {
  it('skips full days and taken windows and takes the earliest start', () => {
    expect(firstAvailable(slots)).toEqual({ date: '2026-11-27', start: w('2026-11-27', 10).start });
  });
  it('is null when everything is taken', () => {
    expect(firstAvailable({ timezone: 'Asia/Shanghai', days: [slots.days[0]] })).toBeNull();
  });
});

describe('isStillAvailable', () => {
  it('compares instants, not strings', () => {
    const start = w('2026-11-27', 10).start.replace('.000Z', 'Z');
    expect(isStillAvailable(slots, start)).toBe(true);
    expect(isStillAvailable(slots, w('2026-11-27', 9).start)).toBe(false);
    expect(isStillAvailable(slots, w('2026-11-28', 9).start)).toBe(false);
  });
});

describe('windowGroups', () => {
  it('splits a day by local hour, in start order, leaving out empty parts', () => {
    const groups = windowGroups(slots.days[1].windows, 'Asia/Shanghai');
    expect(groups.map((g) => g.part)).toEqual(['morning', 'afternoon', 'evening']);
    expect(groups[0].windows.map((x) => x.start)).toEqual([w('2026-11-27', 9).start, w('2026-11-27', 10).start]);
    expect(windowGroups(slots.days[0].windows).map((g) => g.part)).toEqual(['evening']);
  });
  it('uses the area’s time zone, not the machine’s (the tests run in New York)', () => {
    expect(dayPartOf('2026-11-27T03:30:00Z', 'Asia/Shanghai')).toBe('morning');
    expect(dayPartOf('2026-11-27T03:30:00Z', 'Asia/Urumqi')).toBe('morning');
    expect(dayPartOf('2026-11-27T05:00:00Z', 'Asia/Shanghai')).toBe('afternoon');
  });
});

describe('groupByDay', () => {
  it('files windows under their local date, across the UTC midnight', () => {
    const flat = [w('2026-11-28', 8), w('2026-11-27', 20), w('2026-11-27', 9)];
    const days = groupByDay(flat, 'Asia/Shanghai');
    expect(days.map((d) => d.date)).toEqual(['2026-11-27', '2026-11-28']);
    expect(days[0].windows.map((x) => x.start)).toEqual([w('2026-11-27', 9).start, w('2026-11-27', 20).start]);
    // 08:00 in Shanghai on the 28th is the 27th in UTC.
    expect(days[1].windows[0].start.slice(0, 10)).toBe('2026-11-28');
  });
});
