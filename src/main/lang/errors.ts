// The three ways a Loupe program stops early, as JS exceptions that carry spec positions.

/** A lexical, syntax or resolution error (exit status 65). */
export class CompileError extends Error {
  constructor(
    message: string,
    public line: number,
    public col: number,
    public path?: string,
    public endLine?: number,
    public endCol?: number,
  ) {
    super(message);
  }
}

/**
 * A thrown Loupe value in flight. `pos` indexes the run's position table: the `throw`
 * keyword or the operation that raised the runtime error.
 */
export class LoupeThrow {
  constructor(
    public value: unknown,
    public pos: number,
  ) {}
}

/** Budget, timeout, memory or cancellation: ends the program, never catchable by a script. */
export class LimitError {
  constructor(
    public message: string,
    public pos: number,
  ) {}
}

/** A compile error in an imported module: ends the program with 65, never catchable. */
export class ImportCompileError {
  constructor(public error: CompileError) {}
}

export function isHostStackOverflow(e: unknown): boolean {
  return e instanceof RangeError && /call stack/i.test(e.message);
}
