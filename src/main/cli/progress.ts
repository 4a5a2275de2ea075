// Progress of a long command on stderr: a bar redrawn in place on a terminal, plain lines
// (at most one a second, and whenever the message changes) otherwise, so a log file or a
// CI console gets a readable record. stdout stays for results.
export interface Progress {
  update(fraction: number, message: string): void;
  done(message?: string): void;
}

const WIDTH = 24;

export function progress(label: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  const tty = stream.isTTY === true;
  let lastLine = '';
  let lastAt = 0;
  let drawn = false;
  return {
    update(fraction, message) {
      const f = Math.max(0, Math.min(1, Number.isFinite(fraction) ? fraction : 0));
      const pct = `${Math.floor(f * 100)}%`.padStart(4);
      if (tty) {
        const filled = Math.round(f * WIDTH);
        const line = `${label} [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${pct} ${message}`;
        const cols = stream.columns || 80;
        stream.write(`\r${line.slice(0, cols - 1).padEnd(Math.min(cols - 1, lastLine.length))}`);
        lastLine = line.slice(0, cols - 1);
        drawn = true;
        return;
      }
      const line = `${label}: ${pct} ${message}`;
      const now = Date.now();
      if (line === lastLine || (now - lastAt < 1000 && message === lastLine.slice(lastLine.indexOf('%') + 2))) return;
      stream.write(line + '\n');
      lastLine = line;
      lastAt = now;
    },
    done(message) {
      if (tty && drawn) stream.write('\r' + ' '.repeat(lastLine.length) + '\r');
      if (message) stream.write(`${label}: ${message}\n`);
    },
  };
}
