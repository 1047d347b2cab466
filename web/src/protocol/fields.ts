// Field readers for everything that crosses the wire (docs/api.md, docs/protocol.md): each
// checks one documented field and throws a ProtocolError naming it, so components only ever
// see typed values. Unknown fields are dropped.
//
// A newer node may send a state this page does not know yet (a chat status, a tool outcome, ...):
// `readState` keeps such a value as it is, logs it once to the console, and never throws, so a
// page keeps working against a newer node.

/** A frame or body did not match the protocol. */
export class ProtocolError extends Error {
  readonly code = 'bad_response';
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What chat frames carry besides their type. */
export interface ChatFrameBase {
  chat_id: string;
  seq: number;
}

export function requireString(obj: JsonObject, key: string, what: string): string {
  const value = obj[key];
  if (typeof value !== 'string' || value === '') {
    throw new ProtocolError(`${what}: field "${key}" must be a non-empty string`);
  }
  return value;
}

/** A string that may be empty (text, output, content). */
export function requireText(obj: JsonObject, key: string, what: string): string {
  const value = obj[key];
  if (typeof value !== 'string') throw new ProtocolError(`${what}: field "${key}" must be a string`);
  return value;
}

/** An optional string: absent or null gives undefined. */
export function optionalText(obj: JsonObject, key: string, what: string): string | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new ProtocolError(`${what}: field "${key}" must be a string`);
  return value;
}

/** A string or null; absent gives null. */
export function optionalTextOrNull(obj: JsonObject, key: string, what: string): string | null {
  return optionalText(obj, key, what) ?? null;
}

export function requireInt(obj: JsonObject, key: string, what: string, min = 0): number {
  const value = obj[key];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new ProtocolError(`${what}: field "${key}" must be an integer >= ${min}`);
  }
  return value;
}

export function requireNumber(obj: JsonObject, key: string, what: string): number {
  const value = obj[key];
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ProtocolError(`${what}: field "${key}" must be a number >= 0`);
  }
  return value;
}

/** An integer (any sign) or null; absent gives null. */
export function optionalIntOrNull(obj: JsonObject, key: string, what: string): number | null {
  const value = obj[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new ProtocolError(`${what}: field "${key}" must be an integer or null`);
  }
  return value;
}

/** A number >= 0 or null; absent gives null. */
export function optionalNumberOrNull(obj: JsonObject, key: string, what: string): number | null {
  const value = obj[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ProtocolError(`${what}: field "${key}" must be a number >= 0 or null`);
  }
  return value;
}

export function requireBool(obj: JsonObject, key: string, what: string): boolean {
  const value = obj[key];
  if (typeof value !== 'boolean') throw new ProtocolError(`${what}: field "${key}" must be a boolean`);
  return value;
}

export function requireObject(obj: JsonObject, key: string, what: string): JsonObject {
  const value = obj[key];
  if (!isObject(value)) throw new ProtocolError(`${what}: field "${key}" must be an object`);
  return value;
}

/** `input` is any JSON value, but it must be there. */
export function requireJson(obj: JsonObject, key: string, what: string): unknown {
  if (!(key in obj) || obj[key] === undefined) throw new ProtocolError(`${what}: field "${key}" is missing`);
  return obj[key];
}

/** `arguments` is JSON text; an object (already decoded) is accepted and re-encoded. */
export function argumentsText(data: JsonObject, what: string): string {
  const value = data.arguments;
  if (typeof value === 'string') return value;
  if (isObject(value) || Array.isArray(value)) return JSON.stringify(value);
  throw new ProtocolError(`${what}: field "arguments" must be JSON text or an object`);
}

/** A timestamp `Date` can read (ISO 8601). */
export function requireDate(obj: JsonObject, key: string, what: string): string {
  const value = requireString(obj, key, what);
  if (Number.isNaN(Date.parse(value))) throw new ProtocolError(`${what}: field "${key}" must be an ISO 8601 timestamp`);
  return value;
}

// ---------------------------------------------------------------------------------------
// Tolerance for a newer node

const reported = new Set<string>();

/**
 * Logs once per page what this page does not know (a frame type, a state's value): the node is
 * newer than the page. Not prefixed "boocode:", which marks a problem.
 */
export function noteNewer(kind: string, value: string): void {
  const key = `${kind}\u0000${value}`;
  if (reported.has(key)) return;
  reported.add(key);
  console.info(`BooCode page: the node sent ${kind} ${JSON.stringify(value)}, which this page does not know (a newer node?); kept as it is`);
}

/** For tests: what noteNewer has reported so far, as "kind value". */
export function notedNewer(): string[] {
  return [...reported].map((k) => k.replace('\u0000', ' '));
}

/** For tests: forget what noteNewer reported. */
export function forgetNotedNewer(): void {
  reported.clear();
}

/**
 * A state field (one of `known`, see ./states): a value this page does not know is kept as it
 * is and noted once; a missing or non-string value is a ProtocolError.
 */
export function readState<T extends string>(
  obj: JsonObject,
  key: string,
  what: string,
  known: readonly T[],
  kind: string,
): T | Newer {
  const value = obj[key];
  if (typeof value !== 'string' || value === '') {
    throw new ProtocolError(`${what}: field "${key}" must be one of ${known.join(', ')}`);
  }
  if (!(known as readonly string[]).includes(value)) noteNewer(kind, value);
  return value as T | Newer;
}

/** A state's value this page does not know (sent by a newer node), shown by name. */
export type Newer = string & { readonly newer?: true };
