/** Routes; every page but log-in needs a signed-in staff member. */
import { createRouter, createWebHistory } from 'vue-router';
import { can, me } from './account';
import { api } from './api';
import { consoleRoutes, opens } from './routes';

export { consoleRoutes, menuFor } from './routes';

export const router = createRouter({
  history: createWebHistory(import.meta.env.BASE_URL),
  routes: [
    { path: '/login', name: 'login', component: () => import('./pages/login/LoginPage.vue'), meta: { public: true } },
    { path: '/', component: () => import('./layout/ConsoleLayout.vue'), children: consoleRoutes },
    { path: '/:rest(.*)*', redirect: '/' },
  ],
});

router.beforeEach((to) => {
  if (to.meta.public) return api.session.signedIn && to.name === 'login' ? { name: 'overview' } : true;
  if (!api.session.signedIn) return { name: 'login', query: to.fullPath === '/' ? {} : { redirect: to.fullPath } };
  // A page the staff member may not read (once their account is loaded): the overview.
  if (me.value && !opens(to.meta, can, me.value.platform)) return { name: 'overview' };
  return true;
});

api.session.onLogout(() => {
  void router.replace({ name: 'login' });
});
