import { describe, expect, it } from 'vitest';
import { describeError, describeFieldErrors, describeWait, isForbidden, type Translator } from '../src/errors/describe';
import { ApiError, isProblem, networkError, parseRetryAfter, problemFromResponse, unwrap } from '../src/errors/problem';
import { commonZhCN } from '../src/i18n/common.zh-CN';
import { json, problem } from './helpers';

/** A translator over the real zh-CN catalog with `{name}` interpolation, like vue-i18n. */
function zh(): Translator {
  const lookup = (key: string): unknown =>
    key.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), {
      common: commonZhCN,
    });
  return {
    te: (key) => typeof lookup(key) === 'string',
    t: (key, named = {}) => {
      const msg = lookup(key);
      if (typeof msg !== 'string') return key;
      return msg.replace(/\{(\w+)\}/g, (_, n: string) => String(named[n] ?? `{${n}}`));
    },
  };
}

const NOW = Date.parse('2026-11-26T08:00:00Z');

describe('parseRetryAfter', () => {
  it('reads delta seconds', () => {
    expect(parseRetryAfter('60')).toBe(60);
    expect(parseRetryAfter(' 5 ')).toBe(5);
  });
  it('reads an HTTP date relative to now', () => {
    expect(parseRetryAfter('Thu, 26 Nov 2026 08:01:30 GMT', NOW)).toBe(90);
    expect(parseRetryAfter('Thu, 26 Nov 2026 07:00:00 GMT', NOW)).toBe(0);
  });
  it('gives null for nothing or nonsense', () => {
    expect(parseRetryAfter(null)).toBeNull();
    expect(parseRetryAfter('')).toBeNull();
    expect(parseRetryAfter('soon')).toBeNull();
  });
});

describe('problemFromResponse', () => {
  it('keeps code, detail, field errors, request id and Retry-After of a problem document', async () => {
    const res = problem(422, 'validation_failed', {
      errors: [
        { field: 'phone', code: 'invalid', message: 'must be 11 digits' },
        { field: 'phone', code: 'required', message: 'second one is ignored' },
        { field: 'name', code: 'too_long', message: 'at most 32 characters' },
      ],
      request_id: 'req-9',
    });
    const err = problemFromResponse(res, await res.json());
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(422);
    expect(err.code).toBe('validation_failed');
    expect(err.requestId).toBe('req-9');
    expect(err.fields()).toEqual({ phone: 'must be 11 digits', name: 'at most 32 characters' });

    const limited = problemFromResponse(new Response(null, { status: 429, headers: { 'Retry-After': '42' } }), {
      type: 'urn:daojia:problem:rate_limited',
      title: 'Too Many Requests',
      status: 429,
      code: 'rate_limited',
    });
    expect(limited.retryAfter).toBe(42);
  });

  it('turns a non-problem answer (a proxy page) into an error with the status', () => {
    const err = problemFromResponse(new Response('', { status: 502, statusText: 'Bad Gateway' }), 'Bad gateway');
    expect(err.status).toBe(502);
    expect(err.code).toBe('http_502');
    expect(err.detail).toBe('Bad gateway');
    expect(isProblem({ title: 'x', status: 1 })).toBe(false);
  });
});

describe('unwrap', () => {
  it('returns the data of a successful call', async () => {
    const response = json({ ok: true });
    await expect(unwrap(Promise.resolve({ data: { ok: true }, response }))).resolves.toEqual({ ok: true });
  });
  it('throws an ApiError for a problem answer', async () => {
    const response = problem(404, 'not_found');
    const body = await response.clone().json();
    const err = await unwrap(Promise.resolve({ error: body, response })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe('not_found');
  });
  it('throws a network ApiError when the request never got an answer', async () => {
    const err = await unwrap(Promise.reject(new TypeError('Failed to fetch'))).catch((e: unknown) => e);
    expect((err as ApiError).status).toBe(0);
    expect((err as ApiError).code).toBe('network');
  });
});

describe('describeError', () => {
  const tr = zh();
  const err = (status: number, code: string, detail: string | null = 'server words') =>
    new ApiError({ type: 'about:blank', title: 'T', status, code, detail });

  it('prefers our words for a known code over the server’s developer message', () => {
    expect(describeError(err(401, 'code_invalid'), tr)).toBe('验证码错误或已过期，请重新获取');
    expect(describeError(err(409, 'username_taken'), tr)).toBe('该用户名已被占用');
  });
  it('falls back on the status for unknown codes', () => {
    expect(describeError(err(403, 'something_new'), tr)).toBe('没有权限执行此操作');
    expect(describeError(err(500, 'boom'), tr)).toBe('服务器开小差了，请稍后再试');
    expect(describeError(err(404, 'gone'), tr)).toBe('内容不存在或已被删除');
  });
  it('uses the server’s words only when it has nothing of its own', () => {
    expect(describeError(err(400, 'brand_new_rule', 'use a smaller number'), tr)).toBe('use a smaller number');
  });
  it('says how long to wait after a 429', () => {
    const limited = new ApiError({ type: 'about:blank', title: 'T', status: 429, code: 'rate_limited' }, 42);
    expect(describeError(limited, tr)).toBe('操作过于频繁，请 42 秒后再试');
    const hour = new ApiError({ type: 'about:blank', title: 'T', status: 429, code: 'rate_limited' }, 3600);
    expect(describeError(hour, tr)).toBe('操作过于频繁，请 1 小时后再试');
  });
  it('speaks of the network when the server could not be reached, and generically of the rest', () => {
    expect(describeError(networkError(new Error('x')), tr)).toBe('网络连接失败，请检查网络后重试');
    expect(describeError(new Error('x'), tr)).toBe('出错了，请稍后再试');
  });
  it('tells a 403 apart', () => {
    expect(isForbidden(err(403, 'permission_denied'))).toBe(true);
    expect(isForbidden(err(401, 'unauthenticated'))).toBe(false);
  });
});

describe('describeFieldErrors', () => {
  it('shows our words per field error code and the server’s for codes we do not know', () => {
    const e = new ApiError({
      type: 'about:blank',
      title: 'T',
      status: 422,
      code: 'validation_failed',
      errors: [
        { field: 'password', code: 'too_weak', message: 'at least 8 characters' },
        { field: 'phone', code: 'brand_new', message: 'must be a mainland number' },
      ],
    });
    expect(describeFieldErrors(e, zh())).toEqual({ password: '密码至少 8 位，且不能是纯数字', phone: 'must be a mainland number' });
    expect(describeFieldErrors(new Error('x'), zh())).toEqual({});
  });
});

describe('describeWait', () => {
  it('picks the largest unit that fits, rounding up', () => {
    const tr = zh();
    expect(describeWait(1, tr)).toBe(' 1 秒');
    expect(describeWait(59, tr)).toBe(' 59 秒');
    expect(describeWait(61, tr)).toBe(' 2 分钟');
    expect(describeWait(7200, tr)).toBe(' 2 小时');
  });
});
