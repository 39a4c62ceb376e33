/** Routes; every page but log-in needs a signed-in customer. */
import { createRouter, createWebHistory } from 'vue-router';
import { api } from './api';

export const router = createRouter({
  history: createWebHistory(import.meta.env.BASE_URL),
  routes: [
    { path: '/login', name: 'login', component: () => import('./pages/login/LoginPage.vue'), meta: { public: true } },
    { path: '/', name: 'home', component: () => import('./pages/home/HomePage.vue') },
    { path: '/sessions', name: 'sessions', component: () => import('./pages/sessions/SessionsPage.vue') },
    { path: '/:rest(.*)*', redirect: '/' },
  ],
});

router.beforeEach((to) => {
  if (to.meta.public) return api.session.signedIn && to.name === 'login' ? { name: 'home' } : true;
  if (!api.session.signedIn) return { name: 'login', query: to.fullPath === '/' ? {} : { redirect: to.fullPath } };
  return true;
});

// A session that ends (log-out, or a refresh the server refused) goes back to log-in.
api.session.onLogout(() => {
  void router.replace({ name: 'login' });
});
