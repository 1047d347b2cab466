import { describe, expect, it, vi } from 'vitest';
import { ApiError, fetchHealth } from './http';
import { ProtocolError } from './protocol/fields';
import { parseHelloFrame, parseServerFrame, wsUrl } from './protocol/frames';
import { parseHealth } from './protocol/rest';

function stubFetch(status: number, body: string, statusText = '') {
  return vi.fn<typeof fetch>(async () => new Response(body, { status, statusText }));
}

const goodHealth = { status: 'ok', node_id: 'node-1a2b', version: '0.1.0' };

describe('parseHealth', () => {
  it('accepts a valid body', () => {
    expect(parseHealth(goodHealth)).toEqual(goodHealth);
  });

  it('drops unknown fields', () => {
    expect(parseHealth({ ...goodHealth, extra: 1 })).toEqual(goodHealth);
  });

  it.each([
    ['null', null],
    ['array', [goodHealth]],
    ['string', 'ok'],
    ['missing node_id', { status: 'ok', version: '1' }],
    ['numeric version', { status: 'ok', node_id: 'n', version: 1 }],
    ['empty status', { status: '', node_id: 'n', version: '1' }],
  ])('rejects %s', (_name, body) => {
    expect(() => parseHealth(body)).toThrow(ProtocolError);
  });
});

describe('fetchHealth', () => {
  it('GETs /api/health and returns the parsed body', async () => {
    const f = stubFetch(200, JSON.stringify(goodHealth));
    await expect(fetchHealth({ fetchImpl: f })).resolves.toEqual(goodHealth);
    expect(f).toHaveBeenCalledTimes(1);
    expect(f.mock.calls[0]?.[0]).toBe('/api/health');
  });

  it('prefixes baseUrl', async () => {
    const f = stubFetch(200, JSON.stringify(goodHealth));
    await fetchHealth({ fetchImpl: f, baseUrl: 'http://127.0.0.1:9999' });
    expect(f.mock.calls[0]?.[0]).toBe('http://127.0.0.1:9999/api/health');
  });

  it('throws ApiError with the status on non-200', async () => {
    const f = stubFetch(503, JSON.stringify({ error: 'draining' }), 'Service Unavailable');
    const err = await fetchHealth({ fetchImpl: f }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(503);
    expect((err as ApiError).message).toContain('503');
    expect((err as ApiError).message).toContain('draining');
  });

  it('reads the node error body {"error":{"code","message"}}', async () => {
    const body = { error: { code: 'shutting_down', message: 'node is draining' } };
    const f = stubFetch(503, JSON.stringify(body), 'Service Unavailable');
    await expect(fetchHealth({ fetchImpl: f })).rejects.toMatchObject({
      name: 'ApiError',
      status: 503,
      code: 'shutting_down',
      message: 'GET /api/health: HTTP 503 node is draining',
    });
  });

  it('throws ApiError on a non-JSON error body', async () => {
    const f = stubFetch(500, 'boom', 'Internal Server Error');
    await expect(fetchHealth({ fetchImpl: f })).rejects.toMatchObject({
      name: 'ApiError',
      status: 500,
    });
  });

  it('throws ApiError when the network fails', async () => {
    const f = vi.fn<typeof fetch>(async () => {
      throw new TypeError('fetch failed');
    });
    await expect(fetchHealth({ fetchImpl: f })).rejects.toMatchObject({
      name: 'ApiError',
      status: undefined,
    });
  });

  it('throws ApiError when a 200 body is not JSON', async () => {
    const f = stubFetch(200, '<html>');
    await expect(fetchHealth({ fetchImpl: f })).rejects.toBeInstanceOf(ApiError);
  });

  it('throws ProtocolError when a 200 body has the wrong shape', async () => {
    const f = stubFetch(200, JSON.stringify({ status: 'ok' }));
    await expect(fetchHealth({ fetchImpl: f })).rejects.toBeInstanceOf(ProtocolError);
  });
});

describe('hello frame parser', () => {
  const hello = { type: 'hello', node_id: 'node-1a2b', version: '0.1.0' };

  it('accepts a good hello frame', () => {
    expect(parseHelloFrame(JSON.stringify(hello))).toEqual(hello);
    expect(parseServerFrame(JSON.stringify({ ...hello, extra: true }))).toEqual(hello);
  });

  it.each([
    ['binary data', new ArrayBuffer(4)],
    ['invalid JSON', '{"type":"hello"'],
    ['a JSON array', '[]'],
    ['a JSON string', '"hello"'],
    ['null', 'null'],
    ['missing type', JSON.stringify({ node_id: 'n', version: '1' })],
    ['unknown type', JSON.stringify({ type: 'bye', node_id: 'n', version: '1' })],
    ['missing node_id', JSON.stringify({ type: 'hello', version: '1' })],
    ['missing version', JSON.stringify({ type: 'hello', node_id: 'n' })],
    ['non-string node_id', JSON.stringify({ type: 'hello', node_id: 7, version: '1' })],
    ['empty version', JSON.stringify({ type: 'hello', node_id: 'n', version: '' })],
  ])('rejects %s', (_name, frame) => {
    expect(() => parseHelloFrame(frame)).toThrow(ProtocolError);
  });
});

describe('wsUrl', () => {
  it('uses ws: for http pages and wss: for https pages', () => {
    expect(wsUrl({ protocol: 'http:', host: '127.0.0.1:8080' })).toBe('ws://127.0.0.1:8080/ws');
    expect(wsUrl({ protocol: 'https:', host: 'boo.example' })).toBe('wss://boo.example/ws');
  });
});
