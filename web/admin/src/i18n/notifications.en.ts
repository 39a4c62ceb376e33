/** The console's notification sends (English). */
import type { notificationsZhCN } from './notifications.zh-CN';

export const notificationsEn: typeof notificationsZhCN = {
  notifications: {
    title: 'Notification sends',
    explain:
      'Every send of every notification on each channel (in-app message, SMS, push): its state, attempts and last error. Look here first when someone says they were not told.',
    kind: 'Kind',
    channel: 'Channel',
    state: 'State',
    any: 'Any',
    at: 'At',
    recipient: 'Recipient',
    audiences: {
      customer: 'Customer',
      worker: 'Worker',
    },
    titleCol: 'Title',
    attempts: 'Attempts',
    target: 'Sent to',
    lastError: 'Last error / note',
    notBefore: 'Not before',
    sentAt: 'Sent at',
    channels: {
      inbox: 'In-app',
      sms: 'SMS',
      push: 'Push',
    },
    states: {
      pending: 'Pending',
      retrying: 'Retrying',
      sent: 'Sent',
      failed: 'Failed',
      skipped: 'Skipped',
    },
    none: 'No sends yet',
  },
};
