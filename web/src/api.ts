// Protocol types and helpers for talking to a BooCode node.
//
// HTTP: GET /api/health -> 200 {"status":"ok","node_id":"...","version":"..."}
// WS:   /ws; the server's first text frame is {"type":"hello","node_id":"...","version":"..."}
//
// Everything that crosses the wire is validated here, so components only ever see typed
// values. Extend ServerFrame (and parseServerFrame) as the node grows new frame types.

export interface Health {
  status: string;
  node_id: string;
  version: string;
}

export interface HelloFrame {
  type: 'hello';
  node_id: string;
  version: string;
}

/** Every frame the server may send over /ws. */
export type ServerFrame = HelloFrame;

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

/** A frame or body did not match the protocol. */
export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function requireString(obj: JsonObject, key: string, what: string): string {
  const value = obj[key];
  if (typeof value !== 'string' || value === '') {
    throw new ProtocolError(`${what}: field "${key}" must be a non-empty string`);
  }
  return value;
}

/** Validates a decoded /api/health body. */
export function parseHealth(data: unknown): Health {
  if (!isObject(data)) throw new ProtocolError('health: body must be a JSON object');
  return {
    status: requireString(data, 'status', 'health'),
    node_id: requireString(data, 'node_id', 'health'),
    version: requireString(data, 'version', 'health'),
  };
}

export interface FetchOptions {
  /** Prefix for the request URL, e.g. "http://127.0.0.1:8080". Default: same origin. */
  baseUrl?: string;
  signal?: AbortSignal;
  /** Injected for tests; defaults to the global fetch. */
  fetchImpl?: typeof fetch;
}

async function getJson(path: string, opts: FetchOptions): Promise<unknown> {
  const doFetch = opts.fetchImpl ?? fetch;
  const url = (opts.baseUrl ?? '') + path;
  let res: Response;
  try {
    res = await doFetch(url, { headers: { Accept: 'application/json' }, signal: opts.signal });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(`GET ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const text = await res.text();
  if (!res.ok) {
    let detail = res.statusText;
    let code: string | undefined;
    try {
      const body: unknown = JSON.parse(text);
      if (isObject(body)) {
        const error = body.error;
        if (typeof error === 'string') {
          detail = error;
        } else if (isObject(error)) {
          if (typeof error.message === 'string') detail = error.message;
          if (typeof error.code === 'string') code = error.code;
        }
      }
    } catch {
      // Not JSON: keep the status text.
    }
    throw new ApiError(
      `GET ${path}: HTTP ${res.status}${detail ? ` ${detail}` : ''}`,
      res.status,
      code,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ApiError(`GET ${path}: response is not JSON`, res.status);
  }
}

/** GET /api/health. Throws ApiError on transport/HTTP failure, ProtocolError on a bad body. */
export async function fetchHealth(opts: FetchOptions = {}): Promise<Health> {
  return parseHealth(await getJson('/api/health', opts));
}

/** Parses one text frame from /ws into a typed ServerFrame, or throws ProtocolError. */
export function parseServerFrame(text: unknown): ServerFrame {
  if (typeof text !== 'string') throw new ProtocolError('frame: expected a text frame');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new ProtocolError('frame: not valid JSON');
  }
  if (!isObject(data)) throw new ProtocolError('frame: must be a JSON object');
  switch (data.type) {
    case 'hello':
      return {
        type: 'hello',
        node_id: requireString(data, 'node_id', 'hello'),
        version: requireString(data, 'version', 'hello'),
      };
    default:
      throw new ProtocolError(`frame: unknown type ${JSON.stringify(data.type)}`);
  }
}

/** Parses the first frame on /ws, which must be a hello frame. */
export function parseHelloFrame(text: unknown): HelloFrame {
  const frame = parseServerFrame(text);
  if (frame.type === 'hello') return frame;
  throw new ProtocolError('frame: expected a hello frame first');
}

/** The /ws URL for a page at `loc` (ws: for http:, wss: for https:). */
export function wsUrl(loc: { protocol: string; host: string }, path = '/ws'): string {
  const scheme = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${loc.host}${path}`;
}
