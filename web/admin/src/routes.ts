/**
 * The console's pages and its side menu. A page names the permission it reads with, and
 * whether it concerns the whole platform; the menu leaves out what the signed-in staff
 * member lacks (a partner's staff see orders, exceptions and workers, not plans, the
 * catalog or staff; a partner's finance staff see their workers' withdrawals and deposits,
 * not reconciliation, periods, commission rules or reports), and the router sends them
 * back to the overview. The server still decides every request.
 */
import type { RouteRecordRaw } from 'vue-router';

declare module 'vue-router' {
  interface RouteMeta {
    public?: boolean;
    /** The permission the page reads with; its menu entry hides without it. */
    permission?: string;
    /** Platform staff only (the server refuses a partner's staff `platform_only`). */
    platform?: boolean;
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
  {
    path: 'orders/new',
    name: 'on-behalf',
    component: () => import('./pages/onbehalf/OnBehalfPage.vue'),
    meta: { title: 'onBehalf.title', permission: 'order.write' },
  },
  { path: 'board', name: 'board', component: () => import('./pages/board/BoardPage.vue'), meta: { title: 'board.title', permission: 'dispatch.read' } },
  { path: 'plans', name: 'plans', component: () => import('./pages/plans/PlansPage.vue'), meta: { title: 'plans.title', permission: 'dispatch.read', platform: true } },
  { path: 'exceptions', name: 'exceptions', component: () => import('./pages/exceptions/ExceptionsPage.vue'), meta: { title: 'menu.exceptions', permission: 'order.read' } },
  { path: 'safety', name: 'safety', component: () => import('./pages/safety/SafetyPage.vue'), meta: { title: 'safety.title', permission: 'order.read' } },
  { path: 'catalog', name: 'catalog', component: () => import('./pages/catalog/CatalogPage.vue'), meta: { title: 'catalog.title', permission: 'catalog.read' } },
  { path: 'areas', name: 'areas', component: () => import('./pages/areas/AreasPage.vue'), meta: { title: 'areas.title', permission: 'catalog.read' } },
  {
    path: 'areas/:code',
    name: 'area',
    component: () => import('./pages/areas/AreaPage.vue'),
    meta: { title: 'areas.edit', permission: 'catalog.read', hidden: true, menu: '/areas' },
  },
  {
    path: 'promotions',
    name: 'promotions',
    component: () => import('./pages/promotions/PromotionsPage.vue'),
    meta: { title: 'promotions.title', permission: 'marketing.write' },
  },
  { path: 'staff', name: 'staff', component: () => import('./pages/staff/StaffPage.vue'), meta: { title: 'menu.staff', permission: 'staff.read' } },
  { path: 'audit', name: 'audit', component: () => import('./pages/audit/AuditPage.vue'), meta: { title: 'menu.audit', permission: 'audit.read' } },
  {
    path: 'notifications',
    name: 'notifications',
    component: () => import('./pages/notifications/NotificationsPage.vue'),
    meta: { title: 'notifications.title', permission: 'sms.read' },
  },
  { path: 'sms', name: 'sms', component: () => import('./pages/sms/SmsPage.vue'), meta: { title: 'menu.sms', permission: 'sms.read' } },
  { path: 'customers', name: 'customers', component: () => import('./pages/customers/CustomersPage.vue'), meta: { title: 'menu.customers', permission: 'customer.read' } },
  { path: 'workers', name: 'workers', component: () => import('./pages/workers/WorkersPage.vue'), meta: { title: 'menu.workers', permission: 'worker.read' } },
  {
    path: 'workers/:id',
    name: 'worker',
    component: () => import('./pages/worker/WorkerPage.vue'),
    meta: { title: 'workers.detail', permission: 'worker.read', hidden: true, menu: '/workers' },
  },
  { path: 'reviews', name: 'reviews', component: () => import('./pages/reviews/ReviewsPage.vue'), meta: { title: 'reviews.title', permission: 'worker.read' } },
  {
    path: 'withdrawals',
    name: 'withdrawals',
    component: () => import('./pages/withdrawals/WithdrawalsPage.vue'),
    meta: { title: 'withdrawals.title', permission: 'finance.read' },
  },
  { path: 'partners', name: 'partners', component: () => import('./pages/partners/PartnersPage.vue'), meta: { title: 'partners.title', permission: 'finance.read' } },
  {
    path: 'deposits',
    name: 'deposits',
    component: () => import('./pages/deposits/DepositsPage.vue'),
    meta: { title: 'deposits.title', permission: 'finance.read' },
  },
  {
    path: 'reconciliation',
    name: 'reconciliation',
    component: () => import('./pages/reconciliation/ReconciliationPage.vue'),
    meta: { title: 'reconciliation.title', permission: 'finance.read', platform: true },
  },
  {
    path: 'periods',
    name: 'periods',
    component: () => import('./pages/periods/PeriodsPage.vue'),
    meta: { title: 'periods.title', permission: 'finance.read', platform: true },
  },
  {
    path: 'invoices',
    name: 'invoices',
    component: () => import('./pages/invoices/InvoicesPage.vue'),
    meta: { title: 'invoices.title', permission: 'order.read' },
  },
  {
    path: 'commission-rules',
    name: 'commission-rules',
    component: () => import('./pages/commission/CommissionRulesPage.vue'),
    meta: { title: 'commission.title', permission: 'finance.read', platform: true },
  },
  {
    path: 'finance-reports',
    name: 'finance-reports',
    component: () => import('./pages/reports/FinanceReportsPage.vue'),
    meta: { title: 'reports.title', permission: 'finance.read', platform: true },
  },
  { path: 'flags', name: 'flags', component: () => import('./pages/flags/FlagsPage.vue'), meta: { title: 'flags.title', permission: 'settings.write' } },
  { path: 'sessions', name: 'sessions', component: () => import('./pages/sessions/SessionsPage.vue'), meta: { title: 'menu.sessions' } },
];

/** A side-menu entry. */
export interface MenuEntry {
  path: string;
  name: string;
  title: string;
}

/** Whether a page is open to someone who holds what `can` accepts (`platform`: platform staff, not a partner's). */
export function opens(meta: RouteRecordRaw['meta'], can: (permission: string | undefined) => boolean, platform: boolean): boolean {
  return can(meta?.permission) && (platform || !meta?.platform);
}

/** The menu for someone who holds the permissions `can` accepts (`platform`: platform staff, not a partner's). */
export function menuFor(routes: RouteRecordRaw[], can: (permission: string | undefined) => boolean, platform = true): MenuEntry[] {
  return routes
    .filter((r) => !r.meta?.hidden && opens(r.meta, can, platform))
    .map((r) => ({ path: `/${r.path}`, name: String(r.name), title: r.meta?.title ?? '' }));
}
