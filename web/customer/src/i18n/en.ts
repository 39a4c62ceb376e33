/** The customer app's own messages (English). */
import type { CustomerMessages } from './zh-CN';

export const en: CustomerMessages = {
  title: 'Daojia',
  login: {
    title: 'Log in to Daojia',
    tagline: 'Cleaning, repairs and care, by skilled workers at your door',
    agreement: 'A new phone number gets an account once verified',
  },
  home: {
    greeting: 'Hello, {name}',
    phone: 'Phone',
    memberSince: 'Member since {date}',
    account: 'My account',
    sessions: 'Sessions',
    language: 'Language',
  },
};
