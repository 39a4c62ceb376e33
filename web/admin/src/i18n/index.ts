import { createAppI18n } from '@daojia/shared';
import { boardEn } from './board.en';
import { boardZhCN } from './board.zh-CN';
import { catalogEn } from './catalog.en';
import { catalogZhCN } from './catalog.zh-CN';
import { dispatchEn } from './dispatch.en';
import { dispatchZhCN } from './dispatch.zh-CN';
import { en } from './en';
import { onBehalfEn } from './onbehalf.en';
import { onBehalfZhCN } from './onbehalf.zh-CN';
import { plansEn } from './plans.en';
import { promotionsEn } from './promotions.en';
import { promotionsZhCN } from './promotions.zh-CN';
import { plansZhCN } from './plans.zh-CN';
import { reconciliationEn } from './reconciliation.en';
import { reconciliationZhCN } from './reconciliation.zh-CN';
import { reportsEn } from './reports.en';
import { reportsZhCN } from './reports.zh-CN';
import { periodsEn } from './periods.en';
import { depositsEn } from './deposits.en';
import { depositsZhCN } from './deposits.zh-CN';
import { partnersEn } from './partners.en';
import { partnersZhCN } from './partners.zh-CN';
import { invoicesEn } from './invoices.en';
import { invoicesZhCN } from './invoices.zh-CN';
import { notificationsEn } from './notifications.en';
import { notificationsZhCN } from './notifications.zh-CN';
import { periodsZhCN } from './periods.zh-CN';
import { safetyEn } from './safety.en';
import { safetyZhCN } from './safety.zh-CN';
import { zhCN } from './zh-CN';

export const messages = {
  'zh-CN': { ...zhCN, ...catalogZhCN, ...plansZhCN, ...onBehalfZhCN, ...boardZhCN, ...dispatchZhCN, ...reconciliationZhCN, ...periodsZhCN, ...depositsZhCN, ...partnersZhCN, ...invoicesZhCN, ...promotionsZhCN, ...reportsZhCN, ...notificationsZhCN, ...safetyZhCN },
  en: { ...en, ...catalogEn, ...plansEn, ...onBehalfEn, ...boardEn, ...dispatchEn, ...reconciliationEn, ...periodsEn, ...depositsEn, ...partnersEn, ...invoicesEn, ...promotionsEn, ...reportsEn, ...notificationsEn, ...safetyEn },
};
export const i18n = createAppI18n(messages);
