// Who is using the page: GET /api/me, POST /api/login and /api/logout (docs/api.md, "Access").
// A login sets an HttpOnly session cookie that the page never sees; every later request and
// the WebSocket carry it.

import { ApiError, requestJson, type FetchOptions } from './http';
import { parseMe, type Me } from './protocol/rest';

/** GET /api/me -> who the node says this is; null when it asks for a login (401). */
export async function fetchMe(opts: FetchOptions = {}): Promise<Me | null> {
  try {
    return parseMe(await requestJson('GET', '/api/me', opts));
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return null;
    throw err;
  }
}

/** POST /api/login {token} -> the user; throws ApiError (401 for a wrong token, 429 when
 *  this address failed too often). */
export async function login(token: string, opts: FetchOptions = {}): Promise<Me> {
  return parseMe(await requestJson('POST', '/api/login', { ...opts, body: { token } }));
}

/** POST /api/logout: the session cookie is cleared. */
export async function logout(opts: FetchOptions = {}): Promise<void> {
  await requestJson('POST', '/api/logout', opts);
}
