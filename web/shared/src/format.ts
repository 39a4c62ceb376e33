/**
 * Display formats that follow the chosen language. Times are shown in China time unless a
 * service area's own time zone is given; money arrives in 分 and is never a float here.
 */
export const TIME_ZONE = 'Asia/Shanghai';

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

/**
 * An amount of 分 as yuan, ¥1,234.50: built from integers (no rounding drift). `trim`
 * drops ".00" on whole amounts (price tags), never on amounts due.
 */
export function formatFen(fen: number, opts: { trim?: boolean } = {}): string {
  const n = Math.round(fen);
  const abs = Math.abs(n);
  const yuan = Math.floor(abs / 100)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const cents = String(abs % 100).padStart(2, '0');
  const body = opts.trim && cents === '00' ? yuan : `${yuan}.${cents}`;
  return `${n < 0 ? '-' : ''}¥${body}`;
}

/**
 * Yuan typed by a person ("12", "12.5", "12.50") as 分, or null when it is not an amount
 * with at most two decimals. Parsed as text, so 0.1 + 0.2 never happens.
 */
export function parseYuan(text: string): number | null {
  const m = /^(\d{1,9})(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

/** The parts of an instant in a time zone: `YYYY-MM-DD`, `HH:mm` and the weekday (0 = Sunday). */
export function zonedParts(iso: string, timeZone: string = TIME_ZONE): { date: string; time: string; weekday: number } | null {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return null;
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    weekday: 'short',
    hourCycle: 'h23',
  }).formatToParts(d);
  const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? '';
  const weekday = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(get('weekday'));
  return { date: `${get('year')}-${get('month')}-${get('day')}`, time: `${get('hour')}:${get('minute')}`, weekday };
}

/** "09:00" in the time zone. */
export function formatTime(iso: string | null | undefined, timeZone: string = TIME_ZONE): string {
  if (!iso) return '—';
  return zonedParts(iso, timeZone)?.time ?? iso;
}

/** "11月26日 周四" / "Thu, Nov 26" for a calendar date `YYYY-MM-DD`. */
export function formatDay(date: string, locale: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return date;
  // Noon UTC of that date is the same calendar day in every zone we format for.
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 12));
  return new Intl.DateTimeFormat(locale, { timeZone: 'UTC', month: 'short', day: 'numeric', weekday: 'short' }).format(d);
}

/** An appointment window: "11月26日 周四 09:00–10:00", in the area's time zone. */
export function formatWindow(start: string, end: string, locale: string, timeZone: string = TIME_ZONE): string {
  const a = zonedParts(start, timeZone);
  const b = zonedParts(end, timeZone);
  if (!a || !b) return `${start} – ${end}`;
  const day = formatDay(a.date, locale);
  return a.date === b.date ? `${day} ${a.time}–${b.time}` : `${day} ${a.time} – ${formatDay(b.date, locale)} ${b.time}`;
}

/**
 * The instant (ISO, UTC) of a local date and time in a time zone: "2026-11-27" "09:00" in
 * Asia/Shanghai is 2026-11-27T01:00:00.000Z. Corrects once for a zone whose offset differs
 * at the guess (a daylight-saving change), which China does not have but others do.
 */
export function zonedToUtc(date: string, time: string, timeZone: string = TIME_ZONE): string | null {
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const h = /^(\d{2}):(\d{2})$/.exec(time);
  if (!d || !h) return null;
  const wall = Date.UTC(Number(d[1]), Number(d[2]) - 1, Number(d[3]), Number(h[1]), Number(h[2]));
  const offsetAt = (ms: number): number => {
    const p = zonedParts(new Date(ms).toISOString(), timeZone);
    if (!p) return 0;
    const [y, m, day] = p.date.split('-').map(Number);
    const [hh, mm] = p.time.split(':').map(Number);
    return Date.UTC(y, m - 1, day, hh, mm) - Math.floor(ms / 60_000) * 60_000;
  };
  let guess = wall - offsetAt(wall);
  const second = offsetAt(guess);
  if (second !== offsetAt(wall)) guess = wall - second;
  return new Date(guess).toISOString();
}

/** The calendar date `days` after `YYYY-MM-DD`. */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
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
