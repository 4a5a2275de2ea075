import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { lifecycle, rawRequest } from './helpers';

const L = lifecycle();
afterEach(() => L.closeAll());
const uploadDir = mkdtempSync(join(tmpdir(), 'loupe-upload-'));
afterAll(() => rmSync(uploadDir, { recursive: true, force: true }));

function build(app: import('../../src/main/http').App) {
  app.post('/mem', async (ctx) => {
    const { fields, files } = await ctx.multipart({ maxFileSize: 1000, maxFiles: 3, fileFields: ['image'] });
    return { fields: { ...fields }, files: files.map((f) => ({ field: f.field, name: f.filename, size: f.size, text: f.buffer?.toString() })) };
  });
  app.post('/disk', async (ctx) => {
    const up = await ctx.multipart({ storage: 'disk', dir: uploadDir, maxFileSize: 1000 });
    const out = up.files.map((f) => ({ size: f.size, content: readFileSync(f.path as string, 'utf8') }));
    await up.cleanup();
    return out;
  });
}

function form(parts: { name: string; filename?: string; type?: string; data: string }[], boundary = 'XyZ'): string {
  let s = '';
  for (const p of parts) {
    s += `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"${p.filename ? `; filename="${p.filename}"` : ''}\r\n`;
    if (p.type) s += `Content-Type: ${p.type}\r\n`;
    s += `\r\n${p.data}\r\n`;
  }
  return `${s}--${boundary}--\r\n`;
}

const post = (url: string, path: string, body: string, type = 'multipart/form-data; boundary=XyZ') =>
  fetch(url + path, { method: 'POST', body, headers: { 'content-type': type } });

describe('multipart', () => {
  it('parses files and fields into memory and onto disk', async () => {
    const { url } = await L.up(build);
    const body = form([
      { name: 'label', data: 'cat' },
      { name: 'image', filename: 'a.jpg', type: 'image/jpeg', data: 'AAAA' },
      { name: 'image', filename: 'b.jpg', type: 'image/jpeg', data: 'BBBBBB' },
    ]);
    const r = await post(url, '/mem', body);
    expect(await r.json()).toEqual({
      fields: { label: 'cat' },
      files: [
        { field: 'image', name: 'a.jpg', size: 4, text: 'AAAA' },
        { field: 'image', name: 'b.jpg', size: 6, text: 'BBBBBB' },
      ],
    });
    const d = await post(url, '/disk', form([{ name: 'f', filename: 'x.bin', data: 'hello' }]));
    expect(await d.json()).toEqual([{ size: 5, content: 'hello' }]);
    expect(readdirSync(uploadDir)).toEqual([]);
  });

  it('lets a client that sends its whole body before reading (fetch, requests) read the 413 and its sentence', async () => {
    // Closing at once after the answer reset such clients mid-upload: fetch saw only "fetch failed".
    const { url } = await L.up(build);
    const files = Array.from({ length: 200 }, (_, i) => ({ name: 'image', filename: `p${i}.jpg`, data: 'x'.repeat(900) }));
    const r = await post(url, '/mem', form(files));
    expect(r.status).toBe(413);
    expect((await r.json()).error).toEqual({ code: 'payload_too_large', message: 'Too many files; at most 3.' });
    // The connection is kept, as for any answer: the body was read to its end.
    expect(r.headers.get('connection')).not.toBe('close');
  });

  it('answers 413 for a file over its limit instead of truncating it, and leaves no temp file', async () => {
    const { url } = await L.up(build);
    let r = await post(url, '/mem', form([{ name: 'image', filename: 'big.jpg', data: 'x'.repeat(5000) }]));
    expect(r.status).toBe(413);
    expect((await r.json()).error.code).toBe('payload_too_large');
    r = await post(url, '/disk', form([{ name: 'f', filename: 'big.bin', data: 'x'.repeat(5000) }]));
    expect(r.status).toBe(413);
    await new Promise((res) => setTimeout(res, 100));
    expect(readdirSync(uploadDir)).toEqual([]);
    r = await post(url, '/mem', form(Array.from({ length: 5 }, (_, i) => ({ name: 'image', filename: `${i}.jpg`, data: 'x' }))));
    expect(r.status).toBe(413);
  });

  it('answers 400 for a truncated body, prototype field names and unexpected file fields; 415 for other types', async () => {
    const { url, port } = await L.up(build);
    const full = form([{ name: 'image', filename: 'a.jpg', data: 'AAAA' }]);
    const cut = full.slice(0, full.length - 12);
    let r = await post(url, '/mem', cut);
    expect(r.status).toBe(400);
    expect((await r.json()).error.message).toMatch(/Unexpected end of form|Malformed/);
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      r = await post(url, '/mem', form([{ name, data: 'x' }]));
      expect(r.status, name).toBe(400);
      expect((await r.json()).error.code).toBe('forbidden_key');
    }
    r = await post(url, '/mem', form([{ name: 'other', filename: 'a.jpg', data: 'x' }]));
    expect(r.status).toBe(400);
    r = await post(url, '/mem', '{}', 'application/json');
    expect(r.status).toBe(415);
    r = await post(url, '/mem', full, 'multipart/form-data');
    expect(r.status).toBe(400);
    // A client that stops sending mid-upload: the server neither hangs forever nor dies.
    const raw = await rawRequest(
      port,
      `POST /mem HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=XyZ\r\nContent-Length: 100000\r\n\r\n${cut}`,
      500,
    );
    expect(raw === '' || /^HTTP\/1\.1 4\d\d/.test(raw)).toBe(true);
    expect((await post(url, '/mem', full)).status).toBe(200);
  });
});

it('upload dir exists', () => expect(existsSync(uploadDir)).toBe(true));
