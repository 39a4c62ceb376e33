import { describe, expect, it } from 'vitest';
import { commonEn } from '../src/i18n/common.en';
import { commonZhCN } from '../src/i18n/common.zh-CN';
import { DEFAULT_LOCALE, LOCALE_KEY, saveLocale, savedLocale } from '../src/i18n/locale';
import { createAppI18n } from '../src/i18n';
import { areaName, skillName } from '../src/i18n/names';
import { messages as customer } from '../../customer/src/i18n';
import { messages as worker } from '../../worker/src/i18n';
import { messages as admin } from '../../admin/src/i18n';
import { memoryStorage } from './helpers';

type Tree = { [k: string]: string | Tree };

/** Every leaf of a catalog as `path -> message`. */
function leaves(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'string') out.set(path, v);
    else for (const [p, m] of leaves(v, path)) out.set(p, m);
  }
  return out;
}

const placeholders = (msg: string): string[] => [...msg.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

const CATALOGS: [string, Tree, Tree][] = [
  ['common', commonZhCN, commonEn],
  ['customer', customer['zh-CN'], customer.en],
  ['worker', worker['zh-CN'], worker.en],
  ['admin', admin['zh-CN'], admin.en],
];

describe.each(CATALOGS)('the %s catalog', (_name, zhTree, enTree) => {
  const zh = leaves(zhTree);
  const en = leaves(enTree);

  it('has every zh-CN key in English and every English key in zh-CN', () => {
    expect([...zh.keys()].filter((k) => !en.has(k))).toEqual([]);
    expect([...en.keys()].filter((k) => !zh.has(k))).toEqual([]);
  });

  it('has no empty message', () => {
    expect([...zh, ...en].filter(([, m]) => m.trim() === '').map(([k]) => k)).toEqual([]);
  });

  it('uses the same placeholders in both languages', () => {
    const differ = [...zh].filter(([k, m]) => en.has(k) && placeholders(m).join() !== placeholders(en.get(k)!).join());
    expect(differ.map(([k]) => k)).toEqual([]);
  });

  it('has only messages vue-i18n renders as written (no stray @, |, { or })', () => {
    const i18n = createAppI18n({ 'zh-CN': { app: zhTree }, en: { app: enTree } });
    const broken: string[] = [];
    for (const [locale, tree] of [['zh-CN', zh], ['en', en]] as const) {
      i18n.global.locale.value = locale;
      for (const [k, m] of tree) {
        const named = Object.fromEntries(placeholders(m).map((p) => [p, `<${p}>`]));
        const expected = m.replace(/\{(\w+)\}/g, (_, p: string) => `<${p}>`);
        if (i18n.global.t(`app.${k}`, named) !== expected) broken.push(`${locale}:${k}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('is really Chinese in zh-CN: app copy is not left in English', () => {
    // Codes, product names and units may stay Latin; sentences may not.
    const english = [...zh].filter(([, m]) => /[a-z]{4,}\s+[a-z]{3,}/i.test(m) && !/[\u4e00-\u9fff]/.test(m));
    expect(english.map(([k]) => k)).toEqual([]);
  });
});

describe('the language choice', () => {
  it('defaults to zh-CN and is remembered', () => {
    const storage = memoryStorage();
    expect(savedLocale(storage)).toBe(DEFAULT_LOCALE);
    expect(DEFAULT_LOCALE).toBe('zh-CN');
    saveLocale('en', storage);
    expect(storage.data.get(LOCALE_KEY)).toBe('en');
    expect(savedLocale(storage)).toBe('en');
    storage.setItem(LOCALE_KEY, 'fr');
    expect(savedLocale(storage)).toBe('zh-CN');
  });
});

describe('createAppI18n', () => {
  it('merges the common catalog under common. and resolves codes with dashes', () => {
    const i18n = createAppI18n(customer);
    const { t, te } = i18n.global;
    expect(t('common.actions.logout')).toBe('退出登录');
    expect(t('login.title')).toBe(customer['zh-CN'].login.title);
    const tr = { t: (k: string, n?: Record<string, unknown>) => (n ? t(k, n) : t(k)), te: (k: string) => te(k) };
    expect(areaName('sh-jingan', tr)).toBe('静安区');
    expect(areaName('sh-nowhere', tr)).toBe('sh-nowhere');
    expect(areaName(null, tr)).toBeNull();
    expect(skillName('deep_cleaning', tr)).toBe('深度保洁');
    expect(skillName('rocket_science', tr)).toBe('rocket_science');
    i18n.global.locale.value = 'en';
    expect(t('common.login.resendIn', { seconds: 9 })).toBe('Resend in 9s');
    expect(skillName('pet_grooming', tr)).toBe('Pet grooming');
  });
});
