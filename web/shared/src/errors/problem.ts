/**
 * RFC 9457 problem+json errors from the API, turned into one `ApiError` type that pages can
 * show: `detail` for the whole form, `fieldErrors` next to fields, `retryAfter` for 429.
 */
import type { FieldError, Problem } from '../api/types';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly detail: string | null;
  readonly fieldErrors: FieldError[];
  readonly requestId: string | null;
  /** Seconds to wait before trying again (429 responses), when the server said. */
  readonly retryAfter: number | null;

  constructor(problem: Problem, retryAfter: number | null = null) {
    super(problem.detail ?? problem.title);
    this.name = 'ApiError';
    this.status = problem.status;
    this.code = problem.code;
    this.title = problem.title;
    this.detail = problem.detail ?? null;
    this.fieldErrors = problem.errors ?? [];
    this.requestId = problem.request_id ?? null;
    this.retryAfter = retryAfter;
  }

  /** The message of each field that failed validation, keyed by field name. */
  fields(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of this.fieldErrors) out[e.field] ??= e.message;
    return out;
  }
}

/** Status 0 and code `network` stand for "the server could not be reached". */
export const NETWORK_ERROR_CODE = 'network';

export function isProblem(body: unknown): body is Problem {
  if (typeof body !== 'object' || body === null) return false;
  const b = body as Record<string, unknown>;
  return typeof b.title === 'string' && typeof b.status === 'number' && typeof b.code === 'string';
}

/** Reads the seconds of a Retry-After header (seconds or an HTTP date). */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now) / 1000));
}

/** Builds the error for a failed response from its (already parsed) body. */
export function problemFromResponse(response: Response, body: unknown): ApiError {
  const retryAfter = parseRetryAfter(response.headers.get('Retry-After'));
  if (isProblem(body)) return new ApiError({ ...body, status: body.status || response.status }, retryAfter);
  // Not a problem document (a proxy's error page, say): keep the status, invent a code.
  const detail = typeof body === 'string' && body.length > 0 && body.length < 300 ? body : null;
  return new ApiError(
    { type: 'about:blank', title: response.statusText || `HTTP ${response.status}`, status: response.status, code: `http_${response.status}`, detail },
    retryAfter,
  );
}

export function networkError(cause: unknown): ApiError {
  const err = new ApiError({ type: 'about:blank', title: 'Network error', status: 0, code: NETWORK_ERROR_CODE, detail: null });
  (err as { cause?: unknown }).cause = cause;
  return err;
}

/** What openapi-fetch resolves to, loosely: either data or error, and the response. */
interface FetchResult<D> {
  data?: D;
  error?: unknown;
  response: Response;
}

/**
 * Awaits a typed-client call and returns its data, or throws an `ApiError` (also for a
 * network failure), so pages handle one kind of error.
 */
export async function unwrap<D>(call: Promise<FetchResult<D>>): Promise<D> {
  let result: FetchResult<D>;
  try {
    result = await call;
  } catch (e) {
    throw e instanceof ApiError ? e : networkError(e);
  }
  if (!result.response.ok) throw problemFromResponse(result.response, result.error);
  return result.data as D;
}
