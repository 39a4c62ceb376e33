/**
 * Commission rules (抽成规则) in the console: the form's values as the API's body, and
 * how a rule's share reads.
 */
import { formatFen, parseYuan } from '@daojia/shared';

/** The form. */
export interface RuleForm {
  name: string;
  category_code: string;
  area_code: string;
  min_level: number | null;
  campaign: string;
  share_kind: 'percent' | 'fixed';
  /** Percent (e.g. "15.5") or yuan, as typed. */
  share: string;
  /** Yuan, as typed. */
  minimum: string;
  active: boolean;
}

/** An empty form. */
export const emptyRule = (): RuleForm => ({
  name: '',
  category_code: '',
  area_code: '',
  min_level: null,
  campaign: '',
  share_kind: 'percent',
  share: '20',
  minimum: '0',
  active: true,
});

/** The body for the API, or the fields that are wrong (i18n keys). */
export function ruleBody(f: RuleForm):
  | { body: { name: string; category_code: string | null; area_code: string | null; min_level: number | null; campaign: string | null; share_kind: string; share_value: number; minimum_fen: number; active: boolean } }
  | { errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  if (!f.name.trim()) errors.name = 'common.errors.fields.required';
  let value: number | null = null;
  if (f.share_kind === 'percent') {
    const n = Number(f.share.trim());
    if (f.share.trim() === '' || !Number.isFinite(n) || n < 0 || n > 100) errors.share_value = 'commission.percentInvalid';
    else value = Math.round(n * 100);
  } else {
    value = parseYuan(f.share.trim());
    if (value === null || value < 0) errors.share_value = 'commission.amountInvalid';
  }
  const minimum = parseYuan(f.minimum.trim() || '0');
  if (minimum === null || minimum < 0) errors.minimum_fen = 'commission.amountInvalid';
  if (Object.keys(errors).length || value === null || minimum === null) return { errors };
  const opt = (s: string): string | null => s.trim() || null;
  return {
    body: {
      name: f.name.trim(),
      category_code: opt(f.category_code),
      area_code: opt(f.area_code),
      min_level: f.min_level,
      campaign: opt(f.campaign),
      share_kind: f.share_kind,
      share_value: value,
      minimum_fen: minimum,
      active: f.active,
    },
  };
}

/** A rule's share for people: "15%" or "¥25.00", with the minimum. */
export function shareText(kind: string, value: number, minimumFen: number): string {
  const share = kind === 'percent' ? `${value / 100}%` : formatFen(value);
  return minimumFen > 0 ? `${share} (≥ ${formatFen(minimumFen)})` : share;
}
