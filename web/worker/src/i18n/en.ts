/** The worker app's own messages (English). */
import type { WorkerMessages } from './zh-CN';

export const en: WorkerMessages = {
  title: 'Daojia Worker',
  login: {
    title: 'Worker log-in',
    tagline: 'Take jobs, serve at the door, see your earnings: all in one app',
    note: 'Only workers registered with the platform can log in; contact operations to join',
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
