import { describe, expect, it } from 'vitest';
import { ApiError } from '../src/errors/problem';
import { describeError } from '../src/errors/describe';
import { commonEn } from '../src/i18n/common.en';
import { commonZhCN } from '../src/i18n/common.zh-CN';
import {
  PROMOTION_PHASES,
  PROMOTION_REFUSALS,
  countdownTarget,
  formatCountdown,
  promotionPhase,
  promotionRefusal,
  publicFacts,
  type PromotionFacts,
} from '../src/promotions';

const START = Date.parse('2026-12-12T02:00:00Z');
const END = Date.parse('2026-12-13T02:00:00Z');
const facts = (over: Partial<PromotionFacts> = {}): PromotionFacts => ({
  state: 'active',
  starts_at: new Date(START).toISOString(),
  ends_at: new Date(END).toISOString(),
  sold: 10,
  quota: 100,
  ...over,
});

describe('where a promotion stands', () => {
  it('is upcoming before its start, on sale from the start, ended from the end', () => {
    expect(promotionPhase(facts(), START - 1)).toBe('upcoming');
    expect(promotionPhase(facts(), START)).toBe('on_sale');
    expect(promotionPhase(facts(), END - 1)).toBe('on_sale');
    expect(promotionPhase(facts(), END)).toBe('ended');
  });

  it('is sold out once every place is taken, only while its window is open', () => {
    expect(promotionPhase(facts({ sold: 100 }), START + 1)).toBe('sold_out');
    expect(promotionPhase(facts({ sold: 100 }), START - 1)).toBe('upcoming');
    expect(promotionPhase(facts({ sold: 100 }), END)).toBe('ended');
  });

  it('is stopped whatever the clock and the count say', () => {
    for (const now of [START - 1, START + 1, END + 1]) expect(promotionPhase(facts({ state: 'stopped', sold: 100 }), now)).toBe('stopped');
  });

  it("reads a public promotion's places left as places sold", () => {
    const p = { starts_at: facts().starts_at, ends_at: facts().ends_at, quota: 100, remaining: 0 };
    expect(publicFacts(p).sold).toBe(100);
    expect(promotionPhase(publicFacts(p), START + 1)).toBe('sold_out');
    expect(promotionPhase(publicFacts({ ...p, remaining: 3 }), START + 1)).toBe('on_sale');
  });

  it('has a name for every phase in both languages', () => {
    for (const p of PROMOTION_PHASES) {
      expect(commonZhCN.promotionPhases[p]).toBeTruthy();
      expect(commonEn.promotionPhases[p]).toBeTruthy();
    }
  });
});

describe('the countdown', () => {
  it('counts to the start of an upcoming promotion and to the end of one on sale or sold out', () => {
    expect(countdownTarget(facts(), START - 5000)).toEqual({ to: 'start', ms: 5000 });
    expect(countdownTarget(facts(), START + 1000)).toEqual({ to: 'end', ms: END - START - 1000 });
    expect(countdownTarget(facts({ sold: 100 }), START)).toEqual({ to: 'end', ms: END - START });
    expect(countdownTarget(facts(), END)).toBeNull();
    expect(countdownTarget(facts({ state: 'stopped' }), START)).toBeNull();
  });

  const t = (key: string, named?: Record<string, unknown>) => `${key}|${named?.days}|${named?.hms}`;

  it('shows hours, minutes and seconds, rounding seconds up', () => {
    expect(formatCountdown(3_723_000, t)).toBe('01:02:03');
    expect(formatCountdown(3_722_001, t)).toBe('01:02:03');
    expect(formatCountdown(999, t)).toBe('00:00:01');
    expect(formatCountdown(0, t)).toBe('00:00:00');
    expect(formatCountdown(-5000, t)).toBe('00:00:00');
  });

  it('puts whole days first, in words', () => {
    expect(formatCountdown(2 * 86_400_000 + 5_000, t)).toBe('common.countdown.days|2|00:00:05');
    expect(formatCountdown(86_400_000, t)).toBe('common.countdown.days|1|00:00:00');
    expect(formatCountdown(86_399_500, t)).toBe('common.countdown.days|1|00:00:00');
  });
});

describe('refusals of a booking at a promotion', () => {
  const problem = (status: number, code: string) =>
    new ApiError({ type: 'about:blank', title: 'Conflict', status, code, errors: [{ field: 'promotion_id', code, message: 'no' }] });

  it('are the 409 promotion codes and nothing else', () => {
    for (const code of PROMOTION_REFUSALS) expect(promotionRefusal(problem(409, code))).toBe(code);
    expect(promotionRefusal(problem(409, 'slot_unavailable'))).toBeNull();
    expect(promotionRefusal(problem(422, 'promotion_sold_out'))).toBeNull();
    expect(promotionRefusal(new Error('promotion_sold_out'))).toBeNull();
  });

  it('each read as our own words in both languages, not the server detail', () => {
    for (const [catalog, lang] of [
      [commonZhCN, 'zh'],
      [commonEn, 'en'],
    ] as const) {
      const codes = catalog.errors.codes as Record<string, string>;
      const tr = {
        t: (k: string) => codes[k.replace('common.errors.codes.', '')] ?? k,
        te: (k: string) => k.startsWith('common.errors.codes.') && k.replace('common.errors.codes.', '') in codes,
      };
      const said = PROMOTION_REFUSALS.map((code) => describeError(problem(409, code), tr));
      expect(new Set(said).size, lang).toBe(PROMOTION_REFUSALS.length);
      for (const s of said) expect(s.startsWith('common.'), lang).toBe(false);
    }
  });
});
