/**
 * Personal-information rights in the two mobile apps: the privacy policy and terms (texts
 * served by the server, with their version), consent, the data export and account deletion.
 * The server records consent; the apps ask for it at log-in and, when the operator
 * publishes a new version, before anything else (see `needsConsent`).
 */
import type { Api } from './api/client';
import type { Schemas } from './api/types';
import { unwrap } from './errors/problem';

export type LegalDocument = Schemas['LegalDocument'];
export type ConsentStatus = Schemas['ConsentStatus'];
export type LegalKind = 'privacy' | 'terms';
export type LegalLang = 'zh-CN' | 'en';

/** The text of a document in force, in `lang` (anything but `en` reads as zh-CN). */
export const loadLegal = (api: Api, document: LegalKind, lang: string): Promise<LegalDocument> =>
  unwrap(
    api.publicClient.GET('/api/v1/public/legal/{document}', {
      params: { path: { document }, query: { lang: lang === 'en' ? 'en' : 'zh-CN' } },
    }),
  );

/** The signed-in account's consent. */
export const loadConsent = (api: Api): Promise<ConsentStatus> =>
  api.audience === 'worker'
    ? unwrap(api.client.GET('/api/v1/worker/consent'))
    : unwrap(api.client.GET('/api/v1/customer/consent'));

/** Accepts the versions shown; the server refuses a version no longer in force. */
export function acceptConsent(api: Api, versions: { privacy_version: string; terms_version: string }): Promise<ConsentStatus> {
  const done = (s: ConsentStatus): ConsentStatus => {
    accepted.add(api);
    return s;
  };
  return api.audience === 'worker'
    ? unwrap(api.client.POST('/api/v1/worker/consent', { body: versions })).then(done)
    : unwrap(api.client.POST('/api/v1/customer/consent', { body: versions })).then(done);
}

/** Accounts known to have consented during this page load (asked once per load). */
const accepted = new WeakSet<Api>();

/**
 * Whether the signed-in account must (again) accept the documents in force. Asked of the
 * server once per page load; a failure to ask lets the app go on (the next load asks again).
 */
export async function needsConsent(api: Api): Promise<boolean> {
  if (accepted.has(api)) return false;
  try {
    const s = await loadConsent(api);
    if (!s.required) accepted.add(api);
    return s.required;
  } catch {
    return false;
  }
}

/** Forgets the answer (after log-out, the next account is asked). */
export function forgetConsent(api: Api): void {
  accepted.delete(api);
}

/** The whole export, as the server sends it. */
export async function exportData(api: Api): Promise<unknown> {
  return api.audience === 'worker'
    ? unwrap(api.client.GET('/api/v1/worker/me/export'))
    : unwrap(api.client.GET('/api/v1/customer/me/export'));
}

/** The file name of an export made on `date`. */
export function exportFileName(audience: string, date: Date): string {
  const ymd = `${date.getFullYear()}${String(date.getMonth() + 1).padStart(2, '0')}${String(date.getDate()).padStart(2, '0')}`;
  return `daojia-${audience}-export-${ymd}.json`;
}

/** Saves a JSON document as a file download in the browser. */
export function saveJson(doc: unknown, fileName: string): void {
  const blob = new Blob([JSON.stringify(doc, null, 2)], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Deletes the signed-in account (the server refuses while orders are open or money owed). */
export async function deleteAccount(api: Api): Promise<void> {
  if (api.audience === 'worker') await unwrap(api.client.DELETE('/api/v1/worker/me'));
  else await unwrap(api.client.DELETE('/api/v1/customer/me'));
}

/**
 * The documents are short Markdown; the apps show them as text (no `v-html`): headings and
 * emphasis lose their marks, list items become bullets. Show with `white-space: pre-line`.
 */
export function markdownToText(md: string): string {
  return md
    .replace(/\r\n/g, '\n')
    .replace(/^#{1,6}\s+/gm, '')
    .replace(/^\s*[-*]\s+/gm, '• ')
    .replace(/\*\*([^*]+)\*\*/g, '$1')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
