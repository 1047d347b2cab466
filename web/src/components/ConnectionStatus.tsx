import { connectionView } from '../reconnect';
import type { NodeSocketState } from '../useNodeSocket';

/**
 * A pill over the page once the WebSocket was lost: "Reconnecting… (attempt N)". Hidden while
 * connected, and during the page's first connection (the sidebar says "connecting").
 */
export function ConnectionStatus({ ws }: { ws: NodeSocketState }) {
  const view = connectionView(ws.status, ws.attempt);
  if (view.state !== 'reconnecting') return null;
  return (
    <div
      className={`connection-status connection-${view.state}`}
      role="status"
      data-testid="connection-status"
      data-state={view.state}
      data-attempt={ws.attempt}
      title={ws.detail ?? undefined}
    >
      <span className="spinner" aria-hidden="true" />
      {view.label}
    </div>
  );
}
