/** Routes; every page but log-in needs a signed-in staff member. */
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router';
import { api } from './api';

declare module 'vue-router' {
  interface RouteMeta {
    public?: boolean;
    /** The permission the page reads with; its menu entry hides without it. */
    permission?: string;
    /** i18n key of the menu entry and page title. */
    title?: string;
    /** A page reached from another (a detail page), not from the menu. */
    hidden?: boolean;
    /** The menu entry to highlight while on a hidden page. */
    menu?: string;
  }
}

export const consoleRoutes: RouteRecordRaw[] = [
  { path: '', name: 'overview', component: () => import('./pages/overview/OverviewPage.vue'), meta: { title: 'menu.overview' } },
  { path: 'orders', name: 'orders', component: () => import('./pages/orders/OrdersPage.vue'), meta: { title: 'menu.orders', permission: 'order.read' } },
  {
    path: 'orders/:id',
    name: 'order',
    component: () => import('./pages/order/OrderPage.vue'),
    meta: { title: 'menu.orderDetail', permission: 'order.read', hidden: true, menu: '/orders' },
  },
  { path: 'board', name: 'board', component: () => import('./pages/board/BoardPage.vue'), meta: { title: 'board.title', permission: 'dispatch.read' } },
  { path: 'plans', name: 'plans', component: () => import('./pages/plans/PlansPage.vue'), meta: { title: 'plans.title', permission: 'dispatch.read' } },
  { path: 'exceptions', name: 'exceptions', component: () => import('./pages/exceptions/ExceptionsPage.vue'), meta: { title: 'menu.exceptions', permission: 'order.read' } },
  { path: 'catalog', name: 'catalog', component: () => import('./pages/catalog/CatalogPage.vue'), meta: { title: 'catalog.title', permission: 'catalog.read' } },
  { path: 'areas', name: 'areas', component: () => import('./pages/areas/AreasPage.vue'), meta: { title: 'areas.title', permission: 'catalog.read' } },
  {
    path: 'areas/:code',
    name: 'area',
    component: () => import('./pages/areas/AreaPage.vue'),
    meta: { title: 'areas.edit', permission: 'catalog.read', hidden: true, menu: '/areas' },
  },
  { path: 'staff', name: 'staff', component: () => import('./pages/staff/StaffPage.vue'), meta: { title: 'menu.staff', permission: 'staff.read' } },
  { path: 'audit', name: 'audit', component: () => import('./pages/audit/AuditPage.vue'), meta: { title: 'menu.audit', permission: 'audit.read' } },
  { path: 'sms', name: 'sms', component: () => import('./pages/sms/SmsPage.vue'), meta: { title: 'menu.sms', permission: 'sms.read' } },
  { path: 'customers', name: 'customers', component: () => import('./pages/customers/CustomersPage.vue'), meta: { title: 'menu.customers', permission: 'customer.read' } },
  { path: 'workers', name: 'workers', component: () => import('./pages/workers/WorkersPage.vue'), meta: { title: 'menu.workers', permission: 'worker.read' } },
  {
    path: 'workers/:id',
    name: 'worker',
    component: () => import('./pages/worker/WorkerPage.vue'),
    meta: { title: 'workers.detail', permission: 'worker.read', hidden: true, menu: '/workers' },
  },
  { path: 'sessions', name: 'sessions', component: () => import('./pages/sessions/SessionsPage.vue'), meta: { title: 'menu.sessions' } },
];

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
  return true;
});

api.session.onLogout(() => {
  void router.replace({ name: 'login' });
});
