import { describe, expect, it } from 'vitest';
import { DELIVERY_STATES, NOTIFICATION_KINDS, deliveryQuery, stateTag } from '../src/pages/notifications/deliveries';
import { notificationsEn } from '../src/i18n/notifications.en';
import { notificationsZhCN } from '../src/i18n/notifications.zh-CN';
import { commonZhCN } from '../../shared/src/i18n/common.zh-CN';

describe('notification sends', () => {
  it('sends only the filters that are set', () => {
    expect(deliveryQuery({ kind: '', channel: '', state: '' }, undefined)).toEqual({ cursor: undefined });
    expect(deliveryQuery({ kind: 'departed', channel: 'sms', state: 'failed' }, 'c1')).toEqual({
      cursor: 'c1',
      kind: 'departed',
      channel: 'sms',
      state: 'failed',
    });
  });

  it('names every state in both languages and every kind in the shared messages', () => {
    for (const s of DELIVERY_STATES) {
      expect(notificationsZhCN.notifications.states[s]).toBeTruthy();
      expect(notificationsEn.notifications.states[s]).toBeTruthy();
    }
    for (const k of NOTIFICATION_KINDS) expect(commonZhCN.notifications.kinds[k]).toBeTruthy();
    expect(stateTag('failed')).toBe('danger');
    expect(stateTag('sent')).toBe('success');
    expect(stateTag('skipped')).toBe('info');
  });
});
