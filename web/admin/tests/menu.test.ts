import { describe, expect, it } from 'vitest';
import { consoleRoutes, menuFor, opens } from '../src/routes';

/** What the API's `partner` role grants (`Role::Partner` in the domain crate). */
const PARTNER = ['worker.read', 'worker.write', 'order.read', 'dispatch.write'];
const DISPATCHER = ['overview.read', 'customer.read', 'worker.read', 'worker.write', 'catalog.read', 'order.read', 'order.write', 'dispatch.read', 'dispatch.write'];

/** What the API's `marketing` role (市场运营) grants. */
const MARKETING = ['overview.read', 'customer.read', 'catalog.read', 'marketing.write'];

/** What the API's `finance` role (财务) grants. */
const FINANCE = ['overview.read', 'order.read', 'finance.read', 'finance.write', 'audit.read'];

const holding = (perms: string[]) => (p: string | undefined) => !p || perms.includes(p);

describe('side menu', () => {
  it("shows a partner's staff their orders, exceptions, workers, their reviews and their orders' invoices, nothing platform-wide", () => {
    expect(menuFor(consoleRoutes, holding(PARTNER)).map((e) => e.name)).toEqual(['overview', 'orders', 'exceptions', 'safety', 'workers', 'reviews', 'invoices', 'sessions']);
  });

  it('shows a dispatcher order on behalf, the board, the plans and the catalog too, and never a detail page', () => {
    const names = menuFor(consoleRoutes, holding(DISPATCHER)).map((e) => e.name);
    expect(names).toEqual(['overview', 'orders', 'on-behalf', 'board', 'plans', 'exceptions', 'safety', 'catalog', 'areas', 'customers', 'workers', 'reviews', 'invoices', 'sessions']);
    expect(names).not.toContain('order');
  });

  it('shows marketing the flash sales beside the catalog, and no one else without marketing.write', () => {
    expect(menuFor(consoleRoutes, holding(MARKETING)).map((e) => e.name)).toEqual(['overview', 'catalog', 'areas', 'promotions', 'customers', 'sessions']);
    expect(menuFor(consoleRoutes, holding(DISPATCHER)).map((e) => e.name)).not.toContain('promotions');
    expect(menuFor(consoleRoutes, holding(MARKETING)).find((e) => e.name === 'promotions')).toEqual({ path: '/promotions', name: 'promotions', title: 'promotions.title' });
  });

  it("shows a partner's finance staff their workers' withdrawals, deposits and their partner, not the platform's books", () => {
    const partnerFinance = menuFor(consoleRoutes, holding(FINANCE), false).map((e) => e.name);
    expect(partnerFinance).toEqual(['overview', 'orders', 'exceptions', 'safety', 'audit', 'withdrawals', 'partners', 'deposits', 'invoices', 'sessions']);
    const platformFinance = menuFor(consoleRoutes, holding(FINANCE), true).map((e) => e.name);
    expect(platformFinance).toEqual([...partnerFinance.slice(0, -2), 'reconciliation', 'periods', 'invoices', 'commission-rules', 'finance-reports', 'sessions']);
  });

  it('keeps platform-wide pages from the router too', () => {
    const plans = consoleRoutes.find((r) => r.name === 'plans');
    const deposits = consoleRoutes.find((r) => r.name === 'deposits');
    expect(opens(plans?.meta, holding(DISPATCHER), false)).toBe(false);
    expect(opens(plans?.meta, holding(DISPATCHER), true)).toBe(true);
    expect(opens(deposits?.meta, holding(FINANCE), false)).toBe(true);
    expect(opens(deposits?.meta, holding(PARTNER), false)).toBe(false);
  });

  it('links each entry to its page', () => {
    expect(menuFor(consoleRoutes, holding(PARTNER))[1]).toEqual({ path: '/orders', name: 'orders', title: 'menu.orders' });
  });
});
