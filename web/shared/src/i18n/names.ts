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
