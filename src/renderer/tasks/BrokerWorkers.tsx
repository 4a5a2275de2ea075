import { useQuery } from '@tanstack/react-query';
import { ago } from './task-view';

/** Heartbeats move without task events: read the workers this often while the page is shown. */
const REFRESH_MS = 3000;

export function useBroker() {
  return useQuery({ queryKey: ['workers.list'], queryFn: () => window.loupe.call('workers.list', {}), refetchInterval: REFRESH_MS });
}

/**
 * With `loupe serve --broker`: the `loupe worker`s that take the compute (name, provider,
 * slots, tasks done, rate, last heartbeat, state). Without a broker there is nothing to show.
 */
export function BrokerWorkers() {
  const q = useBroker();
  const data = q.data;
  if (!data || data.broker.kind !== 'redis') return null;
  const now = Date.now();
  return (
    <section aria-labelledby="broker-workers">
      <h2 id="broker-workers">Broker workers</h2>
      <p className="muted small">
        Redis at <code>{data.broker.url}</code>
      </p>
      {data.items.length === 0 ? (
        <p className="muted small">
          No worker has registered yet: start one with <code>loupe worker</code>.
        </p>
      ) : null}
      {data.items.length > 0 ? (
        <table className="kind-table broker-workers" data-testid="broker-workers">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Host</th>
              <th scope="col">Provider</th>
              <th scope="col">Slots</th>
              <th scope="col">Working on</th>
              <th scope="col">Done</th>
              <th scope="col">Rate</th>
              <th scope="col">Heartbeat</th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {data.items.map((w) => (
              <tr key={w.id} className={w.state === 'alive' ? 'alive' : 'gone'} data-worker={w.name} data-state={w.state}>
                <th scope="row" title={w.id}>
                  {w.name}
                </th>
                <td>{w.host}</td>
                <td>{w.provider}</td>
                <td>
                  {w.running}/{w.slots}
                </td>
                <td data-testid="worker-current">
                  {w.current.length === 0 ? (
                    <span className="muted">idle</span>
                  ) : (
                    w.current.map((t) => `${t.kind} #${t.id}${t.claimed ? ' (claimed)' : ''}`).join(', ')
                  )}
                </td>
                <td>{w.done}</td>
                <td>{w.rate.toFixed(1)}/min</td>
                <td>{ago(w.lastHeartbeat, now)}</td>
                <td>{w.state === 'alive' ? 'alive' : 'lost'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
