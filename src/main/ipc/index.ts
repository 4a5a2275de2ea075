export { createDispatcher, toErrorShape, type Dispatcher, type Handlers, type Handler, type CallContext } from './dispatcher';
export { createEventBus, type EventBus, type EventListener } from './event-bus';
export { serveContractSocket } from './ws-transport';
export {
  registerElectronTransport,
  CALL_CHANNEL,
  EVENT_CHANNEL,
  type ElectronTransportOptions,
  type IpcMainLike,
  type IpcInvokeEventLike,
  type WebContentsLike,
} from './electron-transport';
export { validationError } from './validation-error';
export { createHandlers, type HandlerServices, type CoreHandlers, type CoreProcedureName } from './handlers';
