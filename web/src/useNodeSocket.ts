import { useCallback, useEffect, useRef, useState } from 'react';
import { parseHelloFrame, parseServerFrame, wsUrl, type ClientFrame, type HelloFrame, type ServerFrame } from './protocol/frames';
import { reconnectDelay } from './reconnect';

export type WsStatus = 'connecting' | 'connected' | 'disconnected';

export interface NodeSocketState {
  status: WsStatus;
  /** The hello frame of the current (or last) connection. */
  hello: HelloFrame | null;
  /** Why the last connection failed or closed, if it did. */
  detail: string | null;
  /** Counts connections that got their hello: changes on every (re)connect, for re-subscribing. */
  connection: number;
  /** The reconnect attempt under way or scheduled since the connection was lost; 0 while connected. */
  attempt: number;
}

export interface NodeSocket extends NodeSocketState {
  /** Sends a frame if the socket is connected; false when it is not (nothing is queued). */
  send: (frame: ClientFrame) => boolean;
}

export interface NodeSocketHandlers {
  /** Every validated frame after hello. */
  onFrame?: (frame: ServerFrame) => void;
  /** A frame after hello that did not match the protocol; it is skipped. */
  onBadFrame?: (error: Error, raw: unknown) => void;
}

/**
 * Keeps one WebSocket open to the node's /ws endpoint, reconnecting with backoff when it closes
 * (the node going away with 1001, a network drop): `reconnectDelay`, doubling from 0.5 s to
 * 10 s, with jitter. The status becomes "connected" only once a valid hello frame has arrived;
 * a bad hello closes the connection. A frame of a type this page does not know (a newer node)
 * is passed on as an UnknownFrame (it still counts in its chat's seq). A frame that does not
 * parse is reported to onBadFrame and skipped (a chat frame's seq then shows a gap, and the chat
 * subscribes again for a full snapshot), so one broken frame does not cost the connection.
 */
export function useNodeSocket(handlers?: NodeSocketHandlers | ((frame: ServerFrame) => void)): NodeSocket {
  const [state, setState] = useState<NodeSocketState>({
    status: 'connecting',
    hello: null,
    detail: null,
    connection: 0,
    attempt: 0,
  });
  const handlersRef = useRef<NodeSocketHandlers>({});
  handlersRef.current = typeof handlers === 'function' ? { onFrame: handlers } : (handlers ?? {});
  const socketRef = useRef<WebSocket | null>(null);
  const readyRef = useRef(false);

  useEffect(() => {
    let retryTimer: ReturnType<typeof setTimeout> | undefined;
    let attempt = 0;
    let stopped = false;

    const connect = () => {
      const ws = new WebSocket(wsUrl(window.location));
      socketRef.current = ws;
      readyRef.current = false;
      let gotHello = false;

      ws.onmessage = (ev: MessageEvent) => {
        if (!gotHello) {
          try {
            const hello = parseHelloFrame(ev.data);
            gotHello = true;
            readyRef.current = true;
            attempt = 0;
            setState((s) => ({ status: 'connected', hello, detail: null, connection: s.connection + 1, attempt: 0 }));
          } catch (err) {
            const msg = err instanceof Error ? err.message : String(err);
            setState((s) => ({ ...s, status: 'disconnected', detail: msg }));
            ws.close(1002, 'protocol error');
          }
          return;
        }
        let frame: ServerFrame;
        try {
          frame = parseServerFrame(ev.data);
        } catch (err) {
          const error = err instanceof Error ? err : new Error(String(err));
          console.warn(`boocode: skipped a frame: ${error.message}`, ev.data);
          handlersRef.current.onBadFrame?.(error, ev.data);
          return;
        }
        handlersRef.current.onFrame?.(frame);
      };
      ws.onclose = (ev: CloseEvent) => {
        if (socketRef.current === ws) {
          socketRef.current = null;
          readyRef.current = false;
        }
        if (stopped) return;
        attempt += 1;
        const next = attempt;
        setState((s) => ({
          ...s,
          status: 'disconnected',
          attempt: next,
          detail:
            s.status === 'disconnected' && s.detail
              ? s.detail
              : `closed (code ${ev.code}${ev.reason ? `: ${ev.reason}` : ''})`,
        }));
        retryTimer = setTimeout(connect, reconnectDelay(next));
      };
    };

    connect();
    return () => {
      stopped = true;
      clearTimeout(retryTimer);
      socketRef.current?.close(1000, 'page closed');
      socketRef.current = null;
      readyRef.current = false;
    };
  }, []);

  const send = useCallback((frame: ClientFrame): boolean => {
    const ws = socketRef.current;
    if (!ws || !readyRef.current || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(JSON.stringify(frame));
    return true;
  }, []);

  return { ...state, send };
}
