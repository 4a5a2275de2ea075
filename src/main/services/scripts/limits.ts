// Every size limit a script run meets outside the language engine, in one place, so the
// docs (docs/scripts.md, "Limits of the loupe module") and the code cannot drift apart.
// Pure values and pure helpers: the script worker imports this file too.

/** One `loupe.log` line (or one `print` chunk) keeps at most this many characters. */
export const MAX_LOG_LINE_CHARS = 10_000;
/** All output of one run (prints and `loupe.log` together) that is streamed, logged and stored. */
export const MAX_RUN_OUTPUT_BYTES = 1024 * 1024;
/** The arguments of one host call, measured as JSON, before they leave the script's thread. */
export const MAX_HOST_ARG_BYTES = 1024 * 1024;
/** A script's return value stored as a task's result (JSON); a larger one is stored as nil. */
export const MAX_RESULT_VALUE_BYTES = 1024 * 1024;
/** The message of a script error, as stored in the task and shown. */
export const MAX_ERROR_MESSAGE_CHARS = 2_000;
/** A `loupe.files` pattern. */
export const MAX_PATTERN_CHARS = 256;
/** Pattern-matching work (live matcher states stepped) one `loupe.files` call may spend; then it stops and says so. */
export const MAX_MATCH_STEPS = 200_000_000;
/** Directory entries `loupe.files` looks at in one call; the answer says when it stopped early. */
export const MAX_FILES_SCANNED = 100_000;
/** Paths `loupe.files` returns in one call. */
export const MAX_FILES_RETURNED = 10_000;
/** Items `loupe.images` and `loupe.predictions` return in one call. */
export const MAX_LIST_ITEMS = 100_000;
/** Folder depth a task enqueued by a script walks (predict-folder, import). */
export const MAX_WALK_DEPTH = 64;

const KIB = 1024;
const MIB = KIB * KIB;
/** "1 MiB", "10 KiB", "512 bytes": the size in a limit's message. */
export function sizeText(bytes: number): string {
  if (bytes >= MIB && bytes % MIB === 0) return `${bytes / MIB} MiB`;
  if (bytes >= KIB && bytes % KIB === 0) return `${bytes / KIB} KiB`;
  return `${bytes} bytes`;
}

/** Queued tasks (`loupe.enqueue`) one run may create: each is a row in the database. */
export const MAX_TASKS_PER_RUN = 100;

/** The note that ends a run's output once it reached MAX_RUN_OUTPUT_BYTES. */
export const OUTPUT_CUT_NOTE = `\n… [output cut: limit ${sizeText(MAX_RUN_OUTPUT_BYTES)} reached]\n`;

/** The note that ends a line longer than MAX_LOG_LINE_CHARS. */
export const LINE_CUT_NOTE = `… [line cut: limit ${MAX_LOG_LINE_CHARS} characters]`;

/** A line cut at MAX_LOG_LINE_CHARS, saying so. */
export function capLine(line: string): string {
  if (line.length <= MAX_LOG_LINE_CHARS) return line;
  return line.slice(0, MAX_LOG_LINE_CHARS) + LINE_CUT_NOTE;
}

/** Cuts a message to `max` characters, saying so. */
export function capMessage(message: string, max = MAX_ERROR_MESSAGE_CHARS): string {
  return message.length <= max ? message : `${message.slice(0, max)}… [cut: ${message.length} characters]`;
}

const utf8Length = (s: string): number => {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c < 0xdc00 ? 4 : c >= 0xdc00 && c < 0xe000 ? 0 : 3;
  }
  return n;
};

/** The longest start of `s` whose UTF-8 form fits in `bytes` (never splitting a surrogate pair). */
function prefixWithinBytes(s: string, bytes: number): string {
  let n = 0;
  let i = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    const pair = c >= 0xd800 && c < 0xdc00 && i + 1 < s.length;
    const size = c < 0x80 ? 1 : c < 0x800 ? 2 : pair ? 4 : 3;
    if (n + size > bytes) break;
    n += size;
    i += pair ? 2 : 1;
  }
  return s.slice(0, i);
}

/**
 * The JSON size of a plain value, counted without building the JSON and without
 * recursion, and given up as soon as it passes `limit`: the answer is then `limit + 1`.
 * Cost is bounded by the limit, never by the value.
 */
export function jsonSizeWithin(value: unknown, limit: number): number {
  let size = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    if (size > limit) return limit + 1;
    const v = stack.pop();
    if (typeof v === 'string') size += utf8Length(v.length > limit ? v.slice(0, limit + 1) : v) + 2;
    else if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') size += String(v).length;
    else if (v === null || v === undefined) size += 4;
    else if (Array.isArray(v)) {
      size += 2 + Math.max(0, v.length - 1);
      if (size > limit) return limit + 1;
      for (let i = v.length - 1; i >= 0; i--) stack.push(v[i]);
    } else if (typeof v === 'object') {
      const entries = Object.entries(v as Record<string, unknown>);
      size += 2 + entries.length + Math.max(0, entries.length - 1);
      if (size > limit) return limit + 1;
      for (const [k, x] of entries) {
        size += utf8Length(k) + 2;
        stack.push(x);
      }
    } else size += 4;
  }
  return size > limit ? limit + 1 : size;
}

/** Null when the arguments of a host call may cross to the main thread; else the error to raise. */
export function hostArgsError(name: string, args: readonly unknown[]): string | null {
  if (jsonSizeWithin(args, MAX_HOST_ARG_BYTES) <= MAX_HOST_ARG_BYTES) return null;
  return `The arguments of loupe.${name} are larger than ${sizeText(MAX_HOST_ARG_BYTES)}; pass less at a time.`;
}

/**
 * The output of one run, capped: each line keeps MAX_LOG_LINE_CHARS characters (then
 * LINE_CUT_NOTE), and the whole passes until `limit` bytes (UTF-8), then OUTPUT_CUT_NOTE
 * once, then nothing. Output arrives in chunks that split lines anywhere, so the length
 * of the current line is carried from one chunk to the next. `take` answers what may
 * still be shown or stored.
 */
export class OutputBudget {
  private used = 0;
  private cut = false;
  /** Characters of the unfinished line so far (-1: this line was already cut). */
  private lineChars = 0;

  constructor(private readonly limit = MAX_RUN_OUTPUT_BYTES) {}

  get exhausted(): boolean {
    return this.cut;
  }

  take(text: string): string {
    if (this.cut) return '';
    const shaped = this.capLines(text);
    const n = utf8Length(shaped);
    if (this.used + n <= this.limit) {
      this.used += n;
      return shaped;
    }
    this.cut = true;
    const kept = prefixWithinBytes(shaped, Math.max(0, this.limit - this.used));
    this.used = this.limit;
    return kept + (this.limit === MAX_RUN_OUTPUT_BYTES ? OUTPUT_CUT_NOTE : `\n… [output cut: limit ${sizeText(this.limit)} reached]\n`);
  }

  private capLines(text: string): string {
    let out = '';
    let at = 0;
    while (at < text.length) {
      const nl = text.indexOf('\n', at);
      const end = nl === -1 ? text.length : nl;
      const piece = end - at;
      if (this.lineChars >= 0) {
        const room = MAX_LOG_LINE_CHARS - this.lineChars;
        if (piece <= room) {
          out += text.slice(at, end);
          this.lineChars += piece;
        } else {
          out += text.slice(at, at + room) + LINE_CUT_NOTE;
          this.lineChars = -1;
        }
      }
      if (nl === -1) break;
      out += '\n';
      this.lineChars = 0;
      at = nl + 1;
    }
    return out;
  }
}
