import { createAppI18n } from '@daojia/shared';
import { catalogEn } from './catalog.en';
import { catalogZhCN } from './catalog.zh-CN';
import { en } from './en';
import { zhCN } from './zh-CN';

export const messages = { 'zh-CN': { ...zhCN, ...catalogZhCN }, en: { ...en, ...catalogEn } };
export const i18n = createAppI18n(messages);
