import { useEffect, useState } from 'react';
import { parseHelloFrame, parseServerFrame, wsUrl, type HelloFrame, type ServerFrame } from './api';

export type WsStatus = 'connecting' | 'connected' | 'disconnected';

export interface NodeSocketState {
  status: WsStatus;
  /** The hello frame of the current (or last) connection. */
  hello: HelloFrame | null;
  /** Why the last connection failed or closed, if it did. */
  detail: string | null;
}

const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 10_000;

/**
 * Keeps a WebSocket open to the node's /ws endpoint, reconnecting with backoff.
 * The status becomes "connected" only once a valid hello frame has arrived.
 * `onFrame` receives every later frame (already validated).
 */
export function useNodeSocket(onFrame?: (frame: ServerFrame) => void): NodeSocketState {
  const [state, setState] = useState<NodeSocketState>({
    status: 'connecting',
    hello: null,
    detail: null,
  });

  useEffect(() => {
    let socket: WebSocket | null = null;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    let retryMs = RETRY_MIN_MS;
    let stopped = false;

    const connect = () => {
      const ws = new WebSocket(wsUrl(window.location));
      socket = ws;
      let gotHello = false;

      ws.onmessage = (ev: MessageEvent) => {
        try {
          if (!gotHello) {
            const hello = parseHelloFrame(ev.data);
            gotHello = true;
            retryMs = RETRY_MIN_MS;
            setState({ status: 'connected', hello, detail: null });
          } else {
            onFrame?.(parseServerFrame(ev.data));
          }
        } catch (err) {
          const msg = err instanceof Error ? err.message : String(err);
          setState((s) => ({ ...s, status: 'disconnected', detail: msg }));
          ws.close(1002, 'protocol error');
        }
      };
      ws.onclose = (ev: CloseEvent) => {
        if (socket === ws) socket = null;
        if (stopped) return;
        setState((s) => ({
          ...s,
          status: 'disconnected',
          detail: s.detail ?? `closed (code ${ev.code}${ev.reason ? `: ${ev.reason}` : ''})`,
        }));
        retryTimer = setTimeout(connect, retryMs);
        retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
      };
    };

    connect();
    return () => {
      stopped = true;
      clearTimeout(retryTimer);
      socket?.close(1000, 'page closed');
    };
    // onFrame is intentionally not a dependency: reconnecting on every render would be wrong.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  return state;
}
