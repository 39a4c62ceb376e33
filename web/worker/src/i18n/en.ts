/** The worker app's own messages (English). */
import type { WorkerMessages } from './zh-CN';

export const en: WorkerMessages = {
  title: 'Daojia Worker',
  login: {
    title: 'Worker log-in',
    tagline: 'Take jobs, serve at the door, see your earnings: all in one app',
    note: 'Only workers registered with the platform can log in; contact operations to join',
  },
  presence: {
    title: 'Taking orders',
    online: 'Online',
    onlineHint: 'Online: the platform can reach you',
    offlineHint: 'Offline: no new orders',
    mode: 'Mode',
    accepting: 'Taking orders',
    rest: 'Resting',
    credit: 'Credit score',
    grabSuspended: 'Credit too low: no grabbing orders until {until}',
    status: {
      onboarding: 'Documents under review; you can go online once approved',
      active: 'Active',
      suspended: 'Account suspended',
      left: 'Left the platform',
    },
  },
  home: {
    phone: 'Phone',
    skills: 'Skills',
    noSkills: 'No skills recorded yet',
    rating: 'Rating',
    area: 'Service area',
    noArea: 'Not assigned',
    account: 'My account',
    sessions: 'Sessions',
    language: 'Language',
  },
};
