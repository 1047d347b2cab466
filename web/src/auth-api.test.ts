import { describe, expect, it, vi } from 'vitest';
import { fetchMe, login, logout } from './auth-api';
import { ApiError } from './http';

function respond(status: number, body: unknown) {
  return vi.fn<typeof fetch>(
    async () => new Response(status === 204 ? null : JSON.stringify(body), { status }),
  );
}

const unauthorized = { error: { code: 'unauthorized', message: 'this node needs a token' } };

describe('auth api', () => {
  it('reads who the node says this is, and null when it asks for a login', async () => {
    const me = { user: 'alice', role: 'admin', open: false };
    await expect(fetchMe({ fetchImpl: respond(200, me) })).resolves.toEqual(me);
    await expect(fetchMe({ fetchImpl: respond(401, unauthorized) })).resolves.toBeNull();
    await expect(fetchMe({ fetchImpl: respond(500, { error: { code: 'internal', message: 'x' } }) })).rejects.toThrow(ApiError);
  });

  it('logs in with the token in the body, and reports a wrong one with the node\'s message', async () => {
    const fetchImpl = respond(200, { user: 'bob', role: 'user', open: false });
    await expect(login('boo_tok', { fetchImpl })).resolves.toEqual({ user: 'bob', role: 'user', open: false });
    const [url, init] = fetchImpl.mock.calls[0]!;
    expect(url).toBe('/api/login');
    expect(init?.method).toBe('POST');
    expect(JSON.parse(String(init?.body))).toEqual({ token: 'boo_tok' });
    const wrong = login('boo_bad', { fetchImpl: respond(401, { error: { code: 'unauthorized', message: 'the token is not valid' } }) });
    await expect(wrong).rejects.toMatchObject({ status: 401, code: 'unauthorized', message: 'the token is not valid' });
  });

  it('logs out with an empty 204 answer', async () => {
    const fetchImpl = respond(204, null);
    await expect(logout({ fetchImpl })).resolves.toBeUndefined();
    expect(fetchImpl.mock.calls[0]![0]).toBe('/api/logout');
  });
});
