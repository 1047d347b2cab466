import { useState, type FormEvent } from 'react';
import { login } from '../auth-api';
import { errorInfo, type ErrorInfo } from '../http';
import type { Me } from '../protocol/rest';

/** The page a node with users shows before anything else: a token in, a session cookie out. */
export function LoginPage({ onLoggedIn }: { onLoggedIn: (me: Me) => void }) {
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorInfo | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (token.trim() === '' || busy) return;
    setBusy(true);
    setError(null);
    try {
      onLoggedIn(await login(token.trim()));
    } catch (err) {
      setError(errorInfo(err));
      setBusy(false);
    }
  };

  return (
    <main className="login" data-testid="login">
      <form className="login-card" onSubmit={(e) => void submit(e)}>
        <h1>
          <span className="brand-logo" aria-hidden="true">
            B
          </span>{' '}
          BooCode
        </h1>
        <p>This node needs your token. An operator makes one with <code>boocode token add NAME</code>.</p>
        <label htmlFor="login-token">Token</label>
        <input
          id="login-token"
          type="password"
          autoComplete="current-password"
          autoFocus
          value={token}
          onChange={(e) => setToken(e.target.value)}
          placeholder="boo_..."
        />
        {error && (
          <div className="error-banner" role="alert" data-testid="login-error">
            {error.message}
          </div>
        )}
        <button type="submit" disabled={busy || token.trim() === ''}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
      </form>
    </main>
  );
}
