// The sizes a script may build, and the meter every growing operation charges BEFORE it
// builds anything. V8 has hard limits of its own (string length, FixedArray length) that end
// the whole process with a fatal error instead of throwing; staying well below them, and
// refusing up front, turns "the app died" into the script's `Memory limit exceeded.`

/** Largest list a script may build (2^25 elements, 256 MiB of slots). */
export const MAX_ELEMENTS = 2 ** 25;
/** Largest map (V8's own limit is 2^24 entries). */
export const MAX_MAP_ENTRIES = 2 ** 23;
/** Longest string a built-in or `+` may produce (V8's own limit is about 2^29 code units). */
export const MAX_STRING_LENGTH = 2 ** 28;
/** Estimated bytes of one new short string object (header, length, hash) beside its characters. */
export const STRING_OVERHEAD = 24;
/** Estimated bytes of one new map entry (V8's ordered hash table: key, value, chain, bucket). */
export const MAP_ENTRY_BYTES = 40;
/** Estimated bytes of one list slot. */
export const SLOT_BYTES = 8;

/** What built-ins outside the Runtime may ask of it (strings.ts cannot import runtime.ts). */
export interface Meter {
  /** Charges `bytes` against the memory cap; ends the run with the memory limit past it. */
  grow(bytes: number, pos: number): void;
  /** Ends the run with the memory limit if a list or map would have `size` elements. */
  checkSize(size: number, pos: number): void;
  /** Ends the run with the memory limit if a string would have `length` code units. */
  checkLength(length: number, pos: number): void;
  /** Code units a new string may still have before the memory cap (for bounded str()). */
  roomChars(): number;
  /** Ends the run with `Memory limit exceeded.`; uncatchable. */
  outOfMemory(pos: number): never;
}

/** Occurrences of `sep` (non-empty) in `s`, non-overlapping, left to right; stops counting past `stop`. */
export function countOccurrences(s: string, sep: string, stop = Infinity): number {
  let n = 0;
  for (let i = s.indexOf(sep); i >= 0 && n <= stop; i = s.indexOf(sep, i + sep.length)) n++;
  return n;
}
