// The host facilities the pure half of the vision engine relies on, declared by hand so that
// tsconfig.vision-pure.json needs neither Node's types nor the DOM's. Each is a web standard
// that Node, browsers and workers all provide; add here only what every one of them has.
// (tsconfig.main.json excludes this file: there @types/node declares the real ones.)

/** Only `aborted` is read: cancellation is polled between epochs and folds. */
interface AbortSignal {
  readonly aborted: boolean;
}

/** Used with 0 ms to yield to the event loop between epochs. */
declare function setTimeout(callback: () => void, ms?: number): unknown;

/** UTF-8 for the stored head's JSON header. */
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean });
  decode(input?: Uint8Array): string;
}
