import { useCallback, useEffect, useRef, useState } from 'react';
import { formatRoute, parseRoute, sameRoute, type Route } from './route';

const PAGE_KEY = 'loupe.page';

function current(fallback: Route): Route {
  return parseRoute(location.hash) ?? fallback;
}

/**
 * The route in the address bar, kept in step both ways: navigating pushes a history entry
 * (so Back returns), Back and Forward (hashchange) update the app. `replace` changes the
 * address without a new entry (a default filled in, not a step the person took).
 */
export function useRoute(initial: () => Route): [Route, (r: Route, opts?: { replace?: boolean }) => void] {
  const [route, setRoute] = useState<Route>(() => current(initial()));
  const latest = useRef(route);
  latest.current = route;

  useEffect(() => {
    // The first address names the route even when the app was opened without one.
    if (!parseRoute(location.hash)) history.replaceState(history.state, '', formatRoute(route));
    const onChange = () => {
      const r = parseRoute(location.hash);
      if (r) setRoute((old) => (sameRoute(old, r) ? old : r));
    };
    window.addEventListener('hashchange', onChange);
    window.addEventListener('popstate', onChange);
    return () => {
      window.removeEventListener('hashchange', onChange);
      window.removeEventListener('popstate', onChange);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- once: later routes are written by navigate
  }, []);

  const navigate = useCallback((r: Route, opts?: { replace?: boolean }) => {
    localStorage.setItem(PAGE_KEY, r.page);
    if (sameRoute(latest.current, r)) return;
    const url = formatRoute(r);
    if (opts?.replace) history.replaceState(history.state, '', url);
    else history.pushState(history.state, '', url);
    latest.current = r;
    setRoute(r);
  }, []);

  return [route, navigate];
}
