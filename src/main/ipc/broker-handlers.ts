import type { BrokerService } from '../services/broker/index';
import type { Handler } from './dispatcher';

/** `workers.list` for the Tasks page: the broker in use and its workers (none without `--broker`). */
export function brokerHandlers(broker: BrokerService | null): { 'workers.list': Handler<'workers.list'> } {
  return {
    'workers.list': async () => {
      if (!broker) return { broker: { kind: 'sqlite' as const, url: null }, items: [] };
      const items = await broker.workers();
      return {
        broker: broker.describe(),
        items: items.map((w) => ({ ...w, startedAt: new Date(w.startedAt).toISOString(), lastHeartbeat: new Date(w.lastHeartbeat).toISOString() })),
      };
    },
  };
}
