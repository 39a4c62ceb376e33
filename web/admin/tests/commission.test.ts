import { describe, expect, it } from 'vitest';
import { emptyRule, ruleBody, shareText } from '../src/pages/commission/rules';

describe('commission rules', () => {
  it('turns the form into the API body in basis points and fen', () => {
    const r = ruleBody({ ...emptyRule(), name: ' 保洁 ', category_code: 'cleaning', share: '15.5', minimum: '10' });
    expect(r).toEqual({
      body: {
        name: '保洁',
        category_code: 'cleaning',
        area_code: null,
        min_level: null,
        campaign: null,
        share_kind: 'percent',
        share_value: 1550,
        minimum_fen: 1000,
        active: true,
      },
    });
    const fixed = ruleBody({ ...emptyRule(), name: 'x', share_kind: 'fixed', share: '25' });
    expect('body' in fixed && fixed.body.share_value).toBe(2500);
  });

  it('names what is wrong', () => {
    const r = ruleBody({ ...emptyRule(), share: '120', minimum: '-1' });
    expect(r).toEqual({
      errors: { name: 'common.errors.fields.required', share_value: 'commission.percentInvalid', minimum_fen: 'commission.amountInvalid' },
    });
  });

  it('reads a share', () => {
    expect(shareText('percent', 1500, 1000)).toBe('15% (≥ ¥10.00)');
    expect(shareText('fixed', 2500, 0)).toBe('¥25.00');
  });
});
