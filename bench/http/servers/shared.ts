/** What every benchmark server serves, so the five differ only in the framework. */
export const RESOURCES = Array.from({ length: 20 }, (_, i) => `r${i}`);
export const BODY_LIMIT = 1024 * 1024;
export const HELLO = { hello: 'world' };

export function port(): number {
  return Number(process.argv[2] ?? 0);
}

/** Tells the runner the server is up, and on which port. */
export function ready(p: number): void {
  process.stdout.write(`ready ${p}\n`);
}
