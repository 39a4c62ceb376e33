import { describe, expect, it } from 'vitest';
import {
  channelOn,
  notificationChannelName,
  notificationKindName,
  parseClock,
  quietProblems,
  setChannel,
} from '../src/notifications';
import { commonEn } from '../src/i18n/common.en';
import { commonZhCN } from '../src/i18n/common.zh-CN';

/** The kinds the server sends (daojia_domain::notification::Kind). */
const KINDS = [
  'offer',
  'accepted',
  'departed',
  'arrived',
  'completed',
  'payment_due',
  'refund',
  'review_request',
  'visit_tomorrow',
  'starting_soon',
  'job_soon',
];

describe('notification names', () => {
  it('names every kind the server sends in both languages', () => {
    for (const k of KINDS) {
      expect((commonZhCN.notifications.kinds as Record<string, string>)[k]).toBeTruthy();
      expect((commonEn.notifications.kinds as Record<string, string>)[k]).toBeTruthy();
    }
    const tr = { t: (k: string) => `T:${k}`, te: (k: string) => k.endsWith('.departed') || k.endsWith('.sms') };
    expect(notificationKindName('departed', tr)).toBe('T:common.notifications.kinds.departed');
    expect(notificationKindName('carrier_pigeon', tr)).toBe('carrier_pigeon');
    expect(notificationChannelName('sms', tr)).toBe('T:common.notifications.channels.sms');
    expect(notificationChannelName('inbox', tr)).toBe('inbox');
  });
});

describe('opt-outs', () => {
  it('switches one kind on one channel, leaving the others', () => {
    let off: string[] = [];
    expect(channelOn(off, 'departed', 'sms')).toBe(true);
    off = setChannel(off, 'departed', 'sms', false);
    off = setChannel(off, 'arrived', 'push', false);
    expect(off).toEqual(['arrived:push', 'departed:sms']);
    expect(channelOn(off, 'departed', 'sms')).toBe(false);
    expect(channelOn(off, 'departed', 'push')).toBe(true);
    off = setChannel(off, 'departed', 'sms', true);
    expect(off).toEqual(['arrived:push']);
    // Switching off twice lists the pair once.
    expect(setChannel(setChannel([], 'refund', 'sms', false), 'refund', 'sms', false)).toEqual(['refund:sms']);
  });
});

describe('quiet hours', () => {
  it('reads local times and names the field that is wrong', () => {
    expect(parseClock('22:00')).toBe('22:00');
    expect(parseClock(' 7:05 ')).toBe('07:05');
    expect(parseClock('24:00')).toBeNull();
    expect(parseClock('7pm')).toBeNull();
    expect(quietProblems('', '')).toEqual({});
    expect(quietProblems('22:00', '08:00')).toEqual({});
    expect(quietProblems('22:00', '')).toEqual({ end: 'required' });
    expect(quietProblems('25:00', '8')).toEqual({ start: 'invalid', end: 'invalid' });
  });
});
