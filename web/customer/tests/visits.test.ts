import { describe, expect, it } from 'vitest';
import { createSSRApp, h } from 'vue';
import { renderToString } from 'vue/server-renderer';
import { createI18n } from 'vue-i18n';
import { Icon } from 'vant';
import { commonEn, commonZhCN, type OrderView } from '@daojia/shared';
import { en } from '../src/i18n/en';
import { zhCN } from '../src/i18n/zh-CN';
import VisitCards from '../src/pages/order/VisitCards.vue';
import { visitCards } from '../src/pages/order/visits';

type Visit = OrderView['visits'][number];

// 09:00–10:00 on 27 November in Shanghai.
const WINDOW = { window_start: '2026-11-27T01:00:00Z', window_end: '2026-11-27T02:00:00Z' };

const CLEANING: Visit = {
  id: '00000000-0000-0000-0000-000000000001',
  order_no: 'D20261127001',
  skills: ['cleaning'],
  items: ['日常保洁'],
  state: 'en_route',
  worker: '王**',
  ...WINDOW,
};
const REPAIR: Visit = {
  id: '00000000-0000-0000-0000-000000000002',
  order_no: 'D20261127002',
  skills: ['appliance_repair'],
  items: ['空调维修', '空调清洗'],
  state: 'pending_dispatch',
  worker: null,
  ...WINDOW,
};

function translator(locale: 'zh-CN' | 'en') {
  const i18n = createI18n({
    legacy: false,
    locale,
    missingWarn: false,
    fallbackWarn: false,
    messages: { 'zh-CN': { common: commonZhCN, ...zhCN }, en: { common: commonEn, ...en } },
  });
  const { t, te } = i18n.global;
  return { i18n, tr: { t: (k: string, n?: Record<string, unknown>) => (n ? t(k, n) : t(k)), te: (k: string) => te(k) } };
}

async function render(visits: Visit[], locale: 'zh-CN' | 'en'): Promise<string> {
  const app = createSSRApp({ render: () => h(VisitCards, { order: { visits } }) });
  app.use(translator(locale).i18n);
  app.component('VanIcon', Icon);
  return renderToString(app);
}

describe('the cards of an order’s visits', () => {
  it('are none for an order of one visit', () => {
    const { tr } = translator('zh-CN');
    expect(visitCards({ visits: [] }, tr, 'zh-CN')).toEqual([]);
    expect(visitCards({ visits: [CLEANING] }, tr, 'zh-CN')).toEqual([]);
  });

  it('say each visit’s trade, state in the customer’s words, worker and window, first visit first', () => {
    const { tr } = translator('zh-CN');
    const cards = visitCards({ visits: [CLEANING, REPAIR] }, tr, 'zh-CN');
    expect(cards.map((c) => c.orderNo)).toEqual(['D20261127001', 'D20261127002']);
    expect(cards[0]).toMatchObject({
      trade: '日常保洁',
      view: 'awaiting_service',
      stateLabel: '待服务',
      hint: '师傅正在赶来',
      worker: '王**',
      initial: '王',
    });
    expect(cards[0].window).toContain('09:00–10:00');
    expect(cards[1]).toMatchObject({
      trade: '家电维修',
      items: '空调维修、空调清洗',
      view: 'awaiting_worker',
      stateLabel: '待接单',
      hint: '正在为你安排师傅',
      worker: null,
      initial: '',
    });
  });

  it('say nothing of payment or cancellation beyond the state: those are the whole order’s', () => {
    const { tr } = translator('en');
    const cards = visitCards({ visits: [{ ...CLEANING, state: 'pending_payment' }, { ...REPAIR, state: 'cancelled' }] }, tr, 'en');
    expect(cards.map((c) => [c.stateLabel, c.hint])).toEqual([
      ['To pay', ''],
      ['Cancelled', ''],
    ]);
  });

  it('fall back to the items for a visit without skills and to the raw state for an unknown one', () => {
    const { tr } = translator('en');
    const cards = visitCards({ visits: [{ ...CLEANING, skills: [], state: 'teleporting' }, REPAIR] }, tr, 'en');
    expect(cards[0]).toMatchObject({ trade: '日常保洁', view: null, stateLabel: 'teleporting', hint: '' });
    expect(cards[1].trade).toBe('Appliance repair');
    expect(cards[1].items).toBe('空调维修, 空调清洗');
  });
});

describe('the visits section of the order page', () => {
  it('renders one card per visit, in Chinese by default', async () => {
    const html = await render([CLEANING, REPAIR], 'zh-CN');
    expect(html).toContain('data-testid="order-visits"');
    expect(html.match(/class="visit"/g)).toHaveLength(2);
    expect(html).toContain('上门安排');
    expect(html).toContain('本单涉及 2 个工种，将由 2 位师傅分别上门');
    expect(html).toContain('data-testid="visit-D20261127001"');
    expect(html).toContain('data-testid="visit-D20261127002"');
    expect(html).toContain('师傅 王**');
    expect(html).toContain('正在安排师傅');
    expect(html).toContain('待服务');
    expect(html).toContain('待接单');
    expect(html).toContain('空调维修、空调清洗');
    expect(html).toContain('van-icon-manager-o');
  });

  it('renders in English', async () => {
    const html = await render([CLEANING, REPAIR], 'en');
    expect(html).toContain('Visits');
    expect(html).toContain('Worker 王**');
    expect(html).toContain('Finding a worker');
    expect(html).toContain('Upcoming');
    expect(html).toContain('The worker is on the way');
    expect(html).toContain('Time: ');
  });

  it('renders nothing for an order of one visit', async () => {
    const html = await render([CLEANING], 'zh-CN');
    expect(html).not.toContain('order-visits');
    expect(html).not.toContain('class="visit"');
  });
});
