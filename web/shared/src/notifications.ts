/**
 * Notifications (消息) in the two mobile apps and the console: the name of a kind or a
 * channel, and the settings form's opt-out pairs (`departed:sms`) and quiet-hour checks
 * (the server checks again and names each field it refuses).
 */
import type { Translator } from './errors/describe';

/** 师傅出发, Worker on the way…: a kind's name; an unknown code shows as itself. */
export function notificationKindName(kind: string, { t, te }: Translator): string {
  const key = `common.notifications.kinds.${kind}`;
  return te(key) ? t(key) : kind;
}

/** 短信, Push…: a channel's name; the inbox and unknown codes show as themselves. */
export function notificationChannelName(channel: string, { t, te }: Translator): string {
  const key = `common.notifications.channels.${channel}`;
  return te(key) ? t(key) : channel;
}

/** The opt-out pair of `kind` on `channel`. */
export function optOutKey(kind: string, channel: string): string {
  return `${kind}:${channel}`;
}

/** Whether `kind` is on for `channel` in the list of turned-off pairs. */
export function channelOn(off: readonly string[], kind: string, channel: string): boolean {
  return !off.includes(optOutKey(kind, channel));
}

/** The list of turned-off pairs with `kind` on `channel` switched on or off (sorted). */
export function setChannel(off: readonly string[], kind: string, channel: string, on: boolean): string[] {
  const key = optOutKey(kind, channel);
  const rest = off.filter((k) => k !== key);
  return (on ? rest : [...rest, key]).sort();
}

/** A local time as the quiet-hour fields take it (`22:00`, `7:05`), or null. */
export function parseClock(text: string): string | null {
  const m = /^\s*(\d{1,2}):(\d{2})\s*$/.exec(text);
  if (!m) return null;
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (h > 23 || min > 59) return null;
  return `${String(h).padStart(2, '0')}:${m[2]}`;
}

/** What is wrong with a pair of quiet-hour fields: none (both empty, or both times). */
export function quietProblems(start: string, end: string): { start?: 'invalid' | 'required'; end?: 'invalid' | 'required' } {
  const s = start.trim();
  const e = end.trim();
  if (!s && !e) return {};
  const out: { start?: 'invalid' | 'required'; end?: 'invalid' | 'required' } = {};
  if (!s) out.start = 'required';
  else if (!parseClock(s)) out.start = 'invalid';
  if (!e) out.end = 'required';
  else if (!parseClock(e)) out.end = 'invalid';
  return out;
}
