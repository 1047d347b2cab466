// Talking to a node over HTTP: requestJson (the node's JSON answers and errors), fetchHealth,
// and how the UI shows any failure (ErrorInfo). The records themselves: ./protocol/rest.

import { ProtocolError, isObject } from './protocol/fields';
import { parseHealth, type Health } from './protocol/rest';

/** What the UI shows for any failure: the node's error code and message. */
export interface ErrorInfo {
  code: string;
  message: string;
}

/** An HTTP request to the node failed (network error, non-2xx status or bad body). */
export class ApiError extends Error {
  /** HTTP status, or undefined when no response arrived. */
  readonly status: number | undefined;
  /** The node's machine-readable error code (`error.code` in the body), if any. */
  readonly code: string | undefined;

  constructor(message: string, status?: number, code?: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

/** The node's error body: {"error":{"code":"not_found","message":"..."}}. */
export interface ErrorBody {
  error: { code: string; message: string };
}

/** Any thrown value as {code, message} for display. */
export function errorInfo(err: unknown): ErrorInfo {
  if (err instanceof ApiError) {
    return { code: err.code ?? (err.status ? `http_${err.status}` : 'network'), message: err.message };
  }
  if (err instanceof ProtocolError) return { code: err.code, message: err.message };
  if (err instanceof Error) return { code: 'unknown', message: err.message };
  return { code: 'unknown', message: String(err) };
}

/** The node's error body read: its code and message (either may be missing). */
export function parseErrorBody(body: unknown): { code?: string; message?: string } {
  if (!isObject(body)) return {};
  const error = body.error;
  if (typeof error === 'string') return { message: error };
  if (!isObject(error)) return {};
  return {
    ...(typeof error.code === 'string' ? { code: error.code } : {}),
    ...(typeof error.message === 'string' ? { message: error.message } : {}),
  };
}

export interface FetchOptions {
  /** Prefix for the request URL, e.g. "http://127.0.0.1:8080". Default: same origin. */
  baseUrl?: string;
  signal?: AbortSignal;
  /** Injected for tests; defaults to the global fetch. */
  fetchImpl?: typeof fetch;
}

/**
 * Sends a request and returns the decoded JSON body of a 2xx answer. `body` is sent as JSON, or
 * as it is when it is FormData (an upload).
 *
 * Errors are ApiErrors. With `prefix` (the health check) the message reads
 * "GET /api/health: HTTP 503 node is draining"; without it the message is exactly the
 * node's `error.message` and the code its `error.code`, so the UI can show them as they are.
 */
export async function requestJson(
  method: string,
  path: string,
  opts: FetchOptions & { body?: unknown; prefix?: boolean },
): Promise<unknown> {
  const doFetch = opts.fetchImpl ?? fetch;
  const url = (opts.baseUrl ?? '') + path;
  const where = `${method} ${path}`;
  const headers: Record<string, string> = { Accept: 'application/json' };
  const init: RequestInit = { method, headers, signal: opts.signal };
  if (opts.body instanceof FormData) {
    init.body = opts.body; // multipart: fetch writes the Content-Type with its boundary
  } else if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(opts.body);
  }
  let res: Response;
  try {
    res = await doFetch(url, init);
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    const why = err instanceof Error ? err.message : String(err);
    throw opts.prefix
      ? new ApiError(`${where}: ${why}`)
      : new ApiError(`cannot reach the node (${why})`, undefined, 'network');
  }
  const text = await res.text();
  if (!res.ok) {
    let detail: string | undefined;
    let code: string | undefined;
    try {
      ({ code, message: detail } = parseErrorBody(JSON.parse(text)));
    } catch {
      // Not JSON: keep the status text.
    }
    if (opts.prefix) {
      const d = detail ?? res.statusText;
      throw new ApiError(`${where}: HTTP ${res.status}${d ? ` ${d}` : ''}`, res.status, code);
    }
    throw new ApiError(
      detail ?? `${where}: HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`,
      res.status,
      code ?? `http_${res.status}`,
    );
  }
  if (res.status === 204) return null; // No Content
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ApiError(`${where}: response is not JSON`, res.status, opts.prefix ? undefined : 'bad_response');
  }
}

/** GET /api/health. Throws ApiError on transport/HTTP failure, ProtocolError on a bad body. */
export async function fetchHealth(opts: FetchOptions = {}): Promise<Health> {
  return parseHealth(await requestJson('GET', '/api/health', { ...opts, prefix: true }));
}
