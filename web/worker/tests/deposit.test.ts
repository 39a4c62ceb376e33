import { describe, expect, it } from 'vitest';
import { categoryNames, lodgingAmount, lodgingChannels, lodgingSettled, lodgingTag, nextTier } from '../src/deposit';

describe('deposit', () => {
  it('reads a lodging amount in yuan within the limits', () => {
    expect(lodgingAmount('500', 100, 500_000)).toEqual({ fen: 50_000 });
    expect(lodgingAmount(' 12.5 ', 100, 500_000)).toEqual({ fen: 1_250 });
    expect(lodgingAmount('abc', 100, 500_000)).toEqual({ error: 'deposit.amountInvalid' });
    expect(lodgingAmount('0', 100, 500_000)).toEqual({ error: 'deposit.amountInvalid' });
    expect(lodgingAmount('0.5', 100, 500_000)).toEqual({ error: 'deposit.belowMinimum' });
    expect(lodgingAmount('5001', 100, 500_000)).toEqual({ error: 'deposit.aboveMaximum' });
  });

  it('names the next tier and what it still needs', () => {
    const tiers = [
      { code: 'senior', name: '高级', required_fen: 200_000 },
      { code: 'starter', name: '入门', required_fen: 0 },
      { code: 'standard', name: '标准', required_fen: 50_000 },
    ];
    expect(nextTier(tiers, 0)).toEqual({ tier: tiers[2], missingFen: 50_000 });
    expect(nextTier(tiers, 30_000)).toEqual({ tier: tiers[2], missingFen: 20_000 });
    expect(nextTier(tiers, 50_000)).toEqual({ tier: tiers[0], missingFen: 150_000 });
    expect(nextTier(tiers, 200_000)).toBeNull();
    expect(nextTier([], 0)).toBeNull();
  });

  it('pays a lodging on the channel page only', () => {
    expect(lodgingChannels(['wechat_native', 'wechat_h5', 'wechat_jsapi', 'alipay_precreate', 'alipay_wap', 'wallet'])).toEqual(['wechat_h5', 'alipay_wap']);
    expect(lodgingChannels(['alipay_wap'])).toEqual(['alipay_wap']);
    expect(lodgingChannels([])).toEqual([]);
  });

  it('tags states', () => {
    expect(lodgingTag('succeeded')).toBe('success');
    expect(lodgingTag('failed')).toBe('danger');
    expect(lodgingTag('closed')).toBe('danger');
    expect(lodgingTag('pending')).toBe('primary');
    expect(lodgingTag('created')).toBe('warning');
  });

  it('follows a lodging until the channel has settled it', () => {
    expect(lodgingSettled('created')).toBe(false);
    expect(lodgingSettled('pending')).toBe(false);
    expect(lodgingSettled('succeeded')).toBe(true);
    expect(lodgingSettled('failed')).toBe(true);
    expect(lodgingSettled('closed')).toBe(true);
  });

  it('names the categories a tier unlocks in the page language, keeping unknown codes', () => {
    const known = [
      { code: 'nursing', name: '护理', name_en: 'Nursing' },
      { code: 'repair', name: '维修', name_en: 'Repair' },
    ];
    expect(categoryNames(['nursing', 'repair'], known, 'zh-CN')).toBe('护理、维修');
    expect(categoryNames(['nursing', 'repair'], known, 'en')).toBe('Nursing, Repair');
    expect(categoryNames(['nursing', 'pets'], known, 'zh-CN')).toBe('护理、pets');
    expect(categoryNames(['nursing'], [], 'en')).toBe('nursing');
  });
});
