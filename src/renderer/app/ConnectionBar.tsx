import { useEffect, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { CONNECTION_EVENT, type ConnectionState } from '../client/ws-client';

/**
 * A thin bar while the browser shell has lost its connection; nothing in Electron. Events
 * sent while it was away are lost, so everything shown is refetched once it is back.
 */
export function ConnectionBar() {
  const [state, setState] = useState<ConnectionState>('open');
  const queries = useQueryClient();
  useEffect(() => {
    let lost = false;
    const on = (e: Event) => {
      const next = (e as CustomEvent<ConnectionState>).detail;
      if (next === 'closed') lost = true;
      if (next === 'open' && lost) {
        lost = false;
        void queries.invalidateQueries();
      }
      setState(next);
    };
    window.addEventListener(CONNECTION_EVENT, on);
    return () => window.removeEventListener(CONNECTION_EVENT, on);
  }, [queries]);
  if (state === 'open') return null;
  return (
    <div className="connection-bar" role="status">
      Reconnecting to Loupe… Changes are paused until it is back.
    </div>
  );
}
