/** @daojia/shared: what the three web apps have in common. */
export * from './api/client';
export * from './api/idempotency';
export type * from './api/types';
export type { paths, components } from './api/schema';
export * from './auth/session';
export * from './auth/tokens';
export * from './errors/problem';
export * from './errors/describe';
export * from './i18n';
export * from './composables/useAsync';
export * from './composables/usePaged';
export * from './composables/useCountdown';
export * from './composables/useAuthedUrls';
export * from './format';
export * from './richtext';
export * from './orders';
export * from './slots';
export * from './policy';
