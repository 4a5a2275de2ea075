import type { BrokerService } from '../services/broker/index';
import type { Handler } from './dispatcher';

/** `workers.list` for the Tasks page: the broker in use and its workers (none without `--broker`). */
export function brokerHandlers(broker: BrokerService | null): { 'workers.list': Handler<'workers.list'> } {
  return {
    'workers.list': async () => {
      if (!broker) return { broker: { kind: 'sqlite' as const, url: null }, items: [] };
      return { broker: broker.describe(), items: await broker.workers() };
    },
  };
}
