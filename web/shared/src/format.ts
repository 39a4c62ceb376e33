/** Display formats that follow the chosen language. Times are shown in China time. */
const TIME_ZONE = 'Asia/Shanghai';

export function formatDateTime(iso: string | null | undefined, locale: string): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, {
    timeZone: TIME_ZONE,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(d);
}

export function formatDate(iso: string | null | undefined, locale: string): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, { timeZone: TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
}

/** True for an 11-digit mainland mobile number. */
export function isMobilePhone(v: string): boolean {
  return /^1\d{10}$/.test(v.trim());
}

/** "Chrome · Android" from a User-Agent header, or null when it says nothing useful. */
export function describeUserAgent(ua: string | null | undefined): string | null {
  if (!ua) return null;
  const app = [
    [/MicroMessenger/i, 'WeChat'],
    [/Edg\//, 'Edge'],
    [/HeadlessChrome/, 'Headless Chrome'],
    [/Chrome\//, 'Chrome'],
    [/Firefox\//, 'Firefox'],
    [/Safari\//, 'Safari'],
    [/curl\//, 'curl'],
  ] as const;
  const os = [
    [/Android/, 'Android'],
    [/iPhone|iPad|iOS/, 'iOS'],
    [/Windows/, 'Windows'],
    [/Mac OS X|Macintosh/, 'macOS'],
    [/Linux/, 'Linux'],
  ] as const;
  const a = app.find(([re]) => re.test(ua))?.[1];
  const o = os.find(([re]) => re.test(ua))?.[1];
  const parts = [a, o].filter(Boolean);
  return parts.length ? parts.join(' · ') : ua.slice(0, 40);
}
