// Client-side routing on the history API. The node serves index.html for any path without a
// file extension, so /chats/:id survives a reload.

import { useCallback, useSyncExternalStore, type MouseEvent } from 'react';

export type Route = { name: 'home' } | { name: 'chat'; id: string };

export function parseRoute(pathname: string): Route {
  const m = /^\/chats\/([^/]+)\/?$/.exec(pathname);
  if (m?.[1]) {
    try {
      return { name: 'chat', id: decodeURIComponent(m[1]) };
    } catch {
      return { name: 'home' };
    }
  }
  return { name: 'home' };
}

export function chatHref(id: string): string {
  return `/chats/${encodeURIComponent(id)}`;
}

const NAVIGATE_EVENT = 'boocode:navigate';

function subscribe(onChange: () => void): () => void {
  window.addEventListener('popstate', onChange);
  window.addEventListener(NAVIGATE_EVENT, onChange);
  return () => {
    window.removeEventListener('popstate', onChange);
    window.removeEventListener(NAVIGATE_EVENT, onChange);
  };
}

/** Goes to `path` (pushState, or replaceState with `replace`) and re-renders route users. */
export function navigate(path: string, opts: { replace?: boolean } = {}): void {
  if (path === window.location.pathname) return;
  if (opts.replace) window.history.replaceState(null, '', path);
  else window.history.pushState(null, '', path);
  window.dispatchEvent(new Event(NAVIGATE_EVENT));
}

/** The current pathname, kept in sync with navigation and the back/forward buttons. */
export function usePathname(): string {
  return useSyncExternalStore(subscribe, () => window.location.pathname);
}

/** onClick for <a href> links: navigate in-app unless the user asked for a new tab. */
export function useLinkClick(): (ev: MouseEvent<HTMLAnchorElement>) => void {
  return useCallback((ev: MouseEvent<HTMLAnchorElement>) => {
    if (ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
    const href = ev.currentTarget.getAttribute('href');
    if (!href || !href.startsWith('/')) return;
    ev.preventDefault();
    navigate(href);
  }, []);
}
