/**
 * Display names of the platform's codes (skills, service areas) in the current language;
 * an unknown code (a skill added after this build) shows as itself.
 */
import type { Translator } from '../errors/describe';

export function skillName(code: string, { t, te }: Translator): string {
  const key = `common.skills.${code}`;
  return te(key) ? t(key) : code;
}

export function areaName(code: string | null | undefined, { t, te }: Translator): string | null {
  if (!code) return null;
  const key = `common.areas.${code}`;
  return te(key) ? t(key) : code;
}

function known(group: string, code: string | null | undefined, { t, te }: Translator): string {
  if (!code) return '—';
  const key = `common.${group}.${code}`;
  return te(key) ? t(key) : code;
}

/** 待支付, 服务中…: an order state. */
export const orderStateName = (state: string, tr: Translator): string => known('orderStates', state, tr);

/** 全部, 待服务, 售后…: a customer's view of orders (the order list's tabs). */
export const customerViewName = (view: string, tr: Translator): string => known('customerViews', view, tr);

/** 提交订单, 改约…: a step of an order's timeline. */
export const orderEventName = (action: string, tr: Translator): string => known('orderEvents', action, tr);

/** 客户, 师傅, 平台, 系统: who took a step. */
export const actorName = (actor: string, tr: Translator): string => known('actors', actor, tr);

/** The name of a catalog thing (category, item, option, area) in the current language. */
export function localName(x: { name: string; name_en: string } | null | undefined, locale: string): string {
  if (!x) return '—';
  return locale === 'en' && x.name_en ? x.name_en : x.name;
}
