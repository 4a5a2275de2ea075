/**
 * npx tsx bench/queue/redis-embed.ts (after npm run build) — what moving embedding to Redis
 * costs on one machine: N pictures (default 5,000) embedded by `loupe serve` alone (its own
 * backbone process) and by `loupe serve --broker` with two local `loupe worker` processes.
 * Pictures are uploaded through the API; the server embeds them in its `embed` tasks, whose
 * own start and end times are summed (uploads between them are not counted).
 * Appends a dated section to RESULTS.md and NOTES.md. Env: EMBED_BENCH_N.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { call } from '../../test/api/client';
import { type Proc, TOKEN, datasetWith, ensureBuilt, start, stop, worker } from '../../test/cli/cluster';
import { startRedis } from '../../test/queue/redis-server';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const N = Number(process.env.EMBED_BENCH_N ?? 5000);

interface EmbedTask {
  state: string;
  startedAt: string | null;
  finishedAt: string | null;
  result: { computed: number; failed: number } | null;
}

async function run(mode: 'embedded' | 'redis'): Promise<{ ms: number; computed: number; failed: number }> {
  const data = fs.mkdtempSync(path.join(os.tmpdir(), `embed-bench-${mode}-`));
  const redis = mode === 'redis' ? await startRedis() : null;
  const server = await start(
    ['serve', '--port', '0', '--data', data, '--token', TOKEN, ...(redis ? ['--broker', redis.url] : [])],
    /loupe listening on (http:\/\/\S+)\n/,
  );
  const url = server.match[1];
  const workers: Proc[] = [];
  try {
    if (redis) for (const name of ['w1', 'w2']) workers.push(await worker(redis.url, url, name, ['--slots', '2']));
    const { id } = await datasetWith(url, N, 100_000);
    const images = (await call(url, 'GET', `/v1/datasets/${id}/images?limit=1`, { token: TOKEN })).json.items as { id: string }[];
    for (;;) {
      const tasks = (await call(url, 'GET', '/v1/tasks?kind=embed&limit=500', { token: TOKEN })).json.items as EmbedTask[];
      const done = tasks.filter((t) => t.state === 'succeeded');
      const computed = done.reduce((s, t) => s + (t.result?.computed ?? 0), 0);
      const failed = done.reduce((s, t) => s + (t.result?.failed ?? 0), 0);
      const idle = tasks.every((t) => t.state !== 'queued' && t.state !== 'running');
      if (computed + failed >= N && idle) {
        const ms = done.reduce((s, t) => s + (Date.parse(t.finishedAt!) - Date.parse(t.startedAt!)), 0);
        return { ms, computed, failed };
      }
      if (idle) {
        // Pictures uploaded while an embed task ran are not picked up by it (its dedupe key holds the
        // next one back): a label change asks for another pass over what is missing.
        const label = (l: string | null) =>
          call(url, 'PATCH', `/v1/images/${images[0].id}`, {
            token: TOKEN,
            body: JSON.stringify({ label: l }),
            headers: { 'content-type': 'application/json' },
          });
        await label('nudge');
        await label(null);
        await new Promise((r) => setTimeout(r, 2500));
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    for (const w of workers) await stop(w);
    await stop(server);
    await redis?.stop();
    fs.rmSync(data, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  ensureBuilt();
  const started = new Date();
  const embedded = await run('embedded');
  console.log(`embedded: ${embedded.computed} in ${(embedded.ms / 1000).toFixed(1)} s`);
  const redis = await run('redis');
  console.log(`redis + 2 workers: ${redis.computed} in ${(redis.ms / 1000).toFixed(1)} s`);
  const rate = (x: { ms: number; computed: number }) => ((x.computed * 1000) / x.ms).toFixed(1);
  const out = [
    `## Embedding through Redis vs embedded, run of ${started.toISOString()}`,
    '',
    `${N.toLocaleString('en-US')} small PNG pictures (48 × 32, resized to the backbone's input) uploaded through the API; timed: the server's \`embed\` tasks, start to end, summed. Machine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, shared with other work (load average ${os.loadavg()[0].toFixed(1)} at the end).`,
    '',
    '| path | pictures/s | embedding time (s) | failed |',
    '|---|---:|---:|---:|',
    `| \`loupe serve\`: its own backbone process | ${rate(embedded)} | ${(embedded.ms / 1000).toFixed(1)} | ${embedded.failed} |`,
    `| \`loupe serve --broker\` + 2 local \`loupe worker\`s (2 slots each) | ${rate(redis)} | ${(redis.ms / 1000).toFixed(1)} | ${redis.failed} |`,
    '',
    `Through Redis: ${(embedded.ms / redis.ms).toFixed(2)}× the embedded path's throughput. On one machine the workers share the server's cores, so this is the cost of the broker path (pictures over HTTP, vectors through Redis, two onnxruntime sessions); the gain comes with workers on other machines.`,
    '',
  ].join('\n');
  console.log('\n' + out);
  for (const f of ['RESULTS.md', 'NOTES.md']) fs.appendFileSync(path.join(HERE, f), `\n${out}`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
