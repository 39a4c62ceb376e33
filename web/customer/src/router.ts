/**
 * Routes. The catalog (home, item pages) is open to everyone; booking, orders and the
 * account need a signed-in customer, who comes back to where they were after logging in.
 */
import { createRouter, createWebHistory } from 'vue-router';
import { forgetConsent, needsConsent } from '@daojia/shared';
import { api } from './api';

declare module 'vue-router' {
  interface RouteMeta {
    /** Open without logging in. */
    public?: boolean;
  }
}

export const router = createRouter({
  history: createWebHistory(import.meta.env.BASE_URL),
  routes: [
    { path: '/login', name: 'login', component: () => import('./pages/login/LoginPage.vue'), meta: { public: true } },
    { path: '/', name: 'home', component: () => import('./pages/home/HomePage.vue'), meta: { public: true } },
    { path: '/items/:code', name: 'item', component: () => import('./pages/item/ItemPage.vue'), meta: { public: true } },
    { path: '/book', name: 'book', component: () => import('./pages/booking/BookingPage.vue') },
    { path: '/addresses', name: 'addresses', component: () => import('./pages/addresses/AddressesPage.vue') },
    { path: '/addresses/new', name: 'address-new', component: () => import('./pages/addresses/AddressEditPage.vue') },
    { path: '/addresses/:id', name: 'address-edit', component: () => import('./pages/addresses/AddressEditPage.vue') },
    { path: '/orders', name: 'orders', component: () => import('./pages/orders/OrdersPage.vue') },
    { path: '/orders/:id', name: 'order', component: () => import('./pages/order/OrderPage.vue') },
    { path: '/orders/:id/after-sales', name: 'after-sales', component: () => import('./pages/after-sales/AfterSalesPage.vue') },
    { path: '/me', name: 'me', component: () => import('./pages/me/MePage.vue') },
    { path: '/me/notifications', name: 'notifications', component: () => import('./pages/notifications/NotificationsPage.vue') },
    {
      path: '/me/notification-settings',
      name: 'notification-settings',
      component: () => import('./pages/notifications/NotificationSettingsPage.vue'),
    },
    { path: '/me/wallet', name: 'wallet', component: () => import('./pages/wallet/WalletPage.vue') },
    { path: '/sessions', name: 'sessions', component: () => import('./pages/sessions/SessionsPage.vue') },
    { path: '/privacy', name: 'privacy', component: () => import('./pages/privacy/PrivacyPage.vue') },
    { path: '/consent', name: 'consent', component: () => import('./pages/consent/ConsentPage.vue') },
    { path: '/:rest(.*)*', redirect: '/' },
  ],
  scrollBehavior: (_to, _from, saved) => saved ?? { top: 0 },
});

router.beforeEach(async (to) => {
  if (to.name === 'login') return api.session.signedIn ? { name: 'home' } : true;
  if (!api.session.signedIn) return to.meta.public ? true : { name: 'login', query: { redirect: to.fullPath } };
  // A signed-in customer accepts the privacy policy and terms in force before anything else.
  if (to.name !== 'consent' && (await needsConsent(api))) return { name: 'consent', query: { redirect: to.fullPath } };
  return true;
});

// A session that ends (log-out, or a refresh the server refused) goes back to log-in.
api.session.onLogout(() => {
  forgetConsent(api);
  void router.replace({ name: 'login' });
});
