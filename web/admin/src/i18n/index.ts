import { createAppI18n } from '@daojia/shared';
import { en } from './en';
import { zhCN } from './zh-CN';

export const messages = { 'zh-CN': zhCN, en };
export const i18n = createAppI18n(messages);
