import { useEffect, useState } from 'react';
import { CONNECTION_EVENT, type ConnectionState } from '../client/ws-client';

/** A thin bar while the browser shell has lost its connection; nothing in Electron. */
export function ConnectionBar() {
  const [state, setState] = useState<ConnectionState>('open');
  useEffect(() => {
    const on = (e: Event) => setState((e as CustomEvent<ConnectionState>).detail);
    window.addEventListener(CONNECTION_EVENT, on);
    return () => window.removeEventListener(CONNECTION_EVENT, on);
  }, []);
  if (state === 'open') return null;
  return (
    <div className="connection-bar" role="status">
      Reconnecting to Loupe… Changes are paused until it is back.
    </div>
  );
}
