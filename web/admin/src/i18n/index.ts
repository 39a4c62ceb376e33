import { createAppI18n } from '@daojia/shared';
import { catalogEn } from './catalog.en';
import { catalogZhCN } from './catalog.zh-CN';
import { dispatchEn } from './dispatch.en';
import { dispatchZhCN } from './dispatch.zh-CN';
import { en } from './en';
import { plansEn } from './plans.en';
import { plansZhCN } from './plans.zh-CN';
import { zhCN } from './zh-CN';

export const messages = { 'zh-CN': { ...zhCN, ...catalogZhCN, ...plansZhCN, ...dispatchZhCN }, en: { ...en, ...catalogEn, ...plansEn, ...dispatchEn } };
export const i18n = createAppI18n(messages);
