import { useCallback, useEffect, useState } from 'react';
import { App } from './App';
import { fetchMe, logout } from './auth-api';
import { LoginPage } from './components/LoginPage';
import { errorInfo, type ErrorInfo } from './http';
import type { Me } from './protocol/rest';

type Access = { kind: 'checking' } | { kind: 'login' } | { kind: 'in'; me: Me } | { kind: 'error'; error: ErrorInfo };

/** Asks the node who this is, and shows the login page until it knows. */
export function Root() {
  const [access, setAccess] = useState<Access>({ kind: 'checking' });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const ctrl = new AbortController();
    fetchMe({ signal: ctrl.signal }).then(
      (me) => setAccess(me ? { kind: 'in', me } : { kind: 'login' }),
      (err: unknown) => {
        if (!ctrl.signal.aborted) setAccess({ kind: 'error', error: errorInfo(err) });
      },
    );
    return () => ctrl.abort();
  }, [attempt]);

  const onLogout = useCallback(() => {
    void logout().finally(() => setAccess({ kind: 'login' }));
  }, []);

  switch (access.kind) {
    case 'checking':
      return null;
    case 'login':
      return <LoginPage onLoggedIn={(me) => setAccess({ kind: 'in', me })} />;
    case 'error':
      return (
        <main className="login">
          <div className="login-card">
            <div className="error-banner" role="alert">
              Cannot reach the node: {access.error.message}
            </div>
            <button type="button" onClick={() => setAttempt((n) => n + 1)}>
              Retry
            </button>
          </div>
        </main>
      );
    case 'in':
      return <App me={access.me} onLogout={access.me.open ? undefined : onLogout} />;
  }
}
