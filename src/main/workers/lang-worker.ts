// Checking and formatting scripts, off the app's thread: the editor asks for a check 350 ms
// after every pause in typing, and a check of a 900 KB source takes seconds of CPU. A worker
// thread (services/scripts/lang-tools.ts) keeps HTTP and IPC answering meanwhile.
import { parentPort } from 'node:worker_threads';
import { check, format } from '../lang/index';
import { MAX_DIAGNOSTICS, type LangReply, type LangRequest } from '../services/scripts/lang-protocol';

const port = parentPort!;
port.on('message', (m: LangRequest) => {
  let reply: LangReply;
  try {
    if (m.op === 'check') {
      // Bounded here, so tens of thousands of diagnostics never cross to the app's thread.
      const all = check(m.source);
      reply = { id: m.id, ok: true, diagnostics: all.slice(0, MAX_DIAGNOSTICS), more: Math.max(0, all.length - MAX_DIAGNOSTICS) };
    } else reply = { id: m.id, ok: true, source: format(m.source) };
  } catch (err) {
    reply = { id: m.id, ok: false, message: err instanceof Error ? err.message : String(err) };
  }
  port.postMessage(reply);
});
