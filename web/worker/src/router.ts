/** Routes; every page but log-in needs a signed-in worker. */
import { createRouter, createWebHistory } from 'vue-router';
import { forgetConsent, needsConsent } from '@daojia/shared';
import { api } from './api';

export const router = createRouter({
  history: createWebHistory(import.meta.env.BASE_URL),
  routes: [
    { path: '/login', name: 'login', component: () => import('./pages/login/LoginPage.vue'), meta: { public: true } },
    {
      // The tabs of the bottom bar share one shell (and its live offers).
      path: '/',
      component: () => import('./pages/shell/WorkerShell.vue'),
      children: [
        { path: '', name: 'home', component: () => import('./pages/home/HomePage.vue') },
        { path: 'offers', name: 'offers', component: () => import('./pages/offers/OffersPage.vue') },
        { path: 'grab', name: 'grab', component: () => import('./pages/grab/GrabPage.vue') },
        { path: 'today', name: 'today', component: () => import('./pages/today/TodayPage.vue') },
      ],
    },
    { path: '/earnings', name: 'earnings', component: () => import('./pages/earnings/EarningsPage.vue') },
    { path: '/deposit', name: 'deposit', component: () => import('./pages/deposit/DepositPage.vue') },
    { path: '/notifications', name: 'notifications', component: () => import('./pages/notifications/NotificationsPage.vue') },
    {
      path: '/notification-settings',
      name: 'notification-settings',
      component: () => import('./pages/notifications/NotificationSettingsPage.vue'),
    },
    { path: '/reviews', name: 'reviews', component: () => import('./pages/reviews/ReviewsPage.vue') },
    { path: '/sessions', name: 'sessions', component: () => import('./pages/sessions/SessionsPage.vue') },
    { path: '/privacy', name: 'privacy', component: () => import('./pages/privacy/PrivacyPage.vue') },
    { path: '/consent', name: 'consent', component: () => import('./pages/consent/ConsentPage.vue') },
    { path: '/:rest(.*)*', redirect: '/' },
  ],
});

router.beforeEach(async (to) => {
  if (to.meta.public) return api.session.signedIn && to.name === 'login' ? { name: 'home' } : true;
  if (!api.session.signedIn) return { name: 'login', query: to.fullPath === '/' ? {} : { redirect: to.fullPath } };
  // A signed-in worker accepts the privacy policy and terms in force before anything else.
  if (to.name !== 'consent' && (await needsConsent(api))) return { name: 'consent', query: { redirect: to.fullPath } };
  return true;
});

// A session that ends (log-out, or a refresh the server refused) goes back to log-in.
api.session.onLogout(() => {
  forgetConsent(api);
  void router.replace({ name: 'login' });
});
