// Exit codes and the error that carries one. No imports: the dispatcher loads this for
// every command, `--version` included.

/** Exit codes of every command but the language's (run/check/fmt keep LANGUAGE.md §1's 65/66/70). */
export const EXIT = {
  ok: 0,
  /** A task failed, the server answered with an error, or something unexpected. */
  failed: 1,
  /** Bad flags or arguments: the message says which. */
  usage: 2,
  /** No such dataset, model, task, folder or file. */
  notFound: 3,
  /** Some inputs could not be read or classified; the rest were done (predict, import). */
  partial: 4,
  /** The output file exists already or cannot be written. */
  cannotWrite: 5,
  /** The data folder is held by a Loupe that cannot be reached (its local API is off or not answering). */
  busy: 6,
} as const;

/** An error that ends the command with its exit code and a sentence on stderr. */
export class CliError extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
  }
}

export const usageError = (message: string): CliError => new CliError(EXIT.usage, message);
