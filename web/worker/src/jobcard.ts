/**
 * The job card's parts beyond the route (docs/visit.md, "The job card"): which map apps the
 * 导航 sheet offers for a job and in what order, and what the app does with the number the
 * server gives for a call. The links themselves, with the destination converted into each
 * vendor's coordinate system, come from the server (`WorkerJobView.navigation`).
 */
import type { components } from '@daojia/shared';
import type { WorkerJob } from './dispatch';

export type Navigation = components['schemas']['NavigationView'];
export type CallAnswer = components['schemas']['CallView'];

/** A map app the 导航 sheet offers. */
export interface NavOption {
  /** `amap`, `tencent`, `baidu` or `web`. */
  key: 'amap' | 'tencent' | 'baidu' | 'web';
  /** The link to open. */
  url: string;
}

/** True on an iPhone or iPad (iPadOS reports itself as a Mac with touch). */
export function isIos(userAgent: string, maxTouchPoints = 0): boolean {
  return /iPhone|iPad|iPod/i.test(userAgent) || (/Macintosh/.test(userAgent) && maxTouchPoints > 1);
}

/**
 * The sheet's options for `nav`: AMap (its iOS link on iOS), Tencent, Baidu, then the web
 * page for a phone with none of the apps. None for a job without links (a day kept on the
 * phone from before the links existed).
 */
export function navOptions(nav: Navigation | null | undefined, ios: boolean): NavOption[] {
  if (!nav) return [];
  return [
    { key: 'amap', url: ios ? nav.amap_ios : nav.amap },
    { key: 'tencent', url: nav.tencent },
    { key: 'baidu', url: nav.baidu },
    { key: 'web', url: nav.web },
  ];
}

/** What the card shows about the customer: the notes (none when blank) and the tools. */
export function cardFacts(job: Pick<WorkerJob, 'notes' | 'tools' | 'contact_phone_masked'>): { notes: string | null; tools: string[]; phone: string | null } {
  const notes = (job.notes ?? '').trim();
  return { notes: notes === '' ? null : notes, tools: job.tools ?? [], phone: job.contact_phone_masked || null };
}

/**
 * What to do with a call's answer: a dialable number opens the phone's dialler (`tel:`
 * with the digits, `+`, `*`, `#` and `,` only); a masked one is only shown.
 */
export function callAction(answer: Pick<CallAnswer, 'number' | 'dialable'>): { dial: string | null; show: string } {
  if (!answer.dialable) return { dial: null, show: answer.number };
  const digits = answer.number.replace(/[^0-9+*#,]/g, '');
  return { dial: digits ? `tel:${digits}` : null, show: answer.number };
}
