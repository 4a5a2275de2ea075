import type { EventName, EventPayload } from '../../shared/contract';

/**
 * How a service announces a change. The event bus (src/main/ipc) implements it and
 * validates every payload against the contract; services never see a transport.
 */
export type Emit = <E extends EventName>(event: E, payload: EventPayload<E>) => void;

export const noEmit: Emit = () => {};
