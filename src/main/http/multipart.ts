import busboy from 'busboy';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { isForbiddenKey, mediaType, refuseBody } from './body';
import { HttpError, errors } from './errors';

export interface MultipartOptions {
  /** Largest single file in bytes; a bigger one is a 413 (never a silent truncation). Default 50 MiB. */
  maxFileSize?: number;
  /** All files together. Default 200 MiB. */
  maxTotalSize?: number;
  /** Default 20. */
  maxFiles?: number;
  /** Default 100. */
  maxFields?: number;
  /** Largest text field in bytes. Default 64 KiB. */
  maxFieldSize?: number;
  /** `memory` (default) keeps each file as a Buffer; `disk` streams it to a temp file. */
  storage?: 'memory' | 'disk';
  /** Folder for `disk` storage. Default: the OS temp folder. */
  dir?: string;
  /** File field names accepted; a file in any other field is a 400. Default: any. */
  fileFields?: readonly string[];
  /** Accept a file by its declared type; a refused one is a 415. */
  accept?: (mimeType: string, filename: string) => boolean;
}

export interface UploadedFile {
  field: string;
  filename: string;
  mimeType: string;
  size: number;
  /** Present with `memory` storage. */
  buffer?: Buffer;
  /** Present with `disk` storage; deleted by `cleanup()`. */
  path?: string;
}

export interface MultipartResult {
  fields: Record<string, string | string[]>;
  files: UploadedFile[];
  /** Deletes files written with `disk` storage. */
  cleanup(): Promise<void>;
}

const MiB = 1024 * 1024;

/**
 * Parses a multipart/form-data body with busboy. Every limit breach is an error answer,
 * every file stream is consumed or destroyed, and files already written to disk are
 * removed when the request fails, so a bad upload leaves nothing behind.
 */
export function parseMultipart(req: IncomingMessage, opts: MultipartOptions = {}): Promise<MultipartResult> {
  if (mediaType(req) !== 'multipart/form-data') return Promise.reject(errors.unsupportedMediaType('multipart/form-data'));
  const maxFileSize = opts.maxFileSize ?? 50 * MiB;
  const maxTotal = opts.maxTotalSize ?? 200 * MiB;
  const maxFiles = opts.maxFiles ?? 20;
  const storage = opts.storage ?? 'memory';
  const dir = opts.dir ?? tmpdir();

  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxTotal + 64 * 1024 + (opts.maxFields ?? 100) * (opts.maxFieldSize ?? 64 * 1024)) {
    return Promise.reject(refuseBody(req, `The upload is larger than the limit of ${maxTotal} bytes.`));
  }

  let bb: busboy.Busboy;
  try {
    bb = busboy({
      headers: req.headers,
      limits: {
        fileSize: maxFileSize,
        files: maxFiles,
        fields: opts.maxFields ?? 100,
        fieldSize: opts.maxFieldSize ?? 64 * 1024,
        parts: maxFiles + (opts.maxFields ?? 100),
      },
    });
  } catch (err) {
    return Promise.reject(errors.badRequest(`Malformed multipart request: ${(err as Error).message}`));
  }

  return new Promise<MultipartResult>((resolve, reject) => {
    const fields: Record<string, string | string[]> = Object.create(null);
    const files: UploadedFile[] = [];
    const pending: Promise<void>[] = [];
    const active = new Set<Readable>();
    let total = 0;
    let failed = false;
    const cleanup = async () => {
      await Promise.all(files.filter((f) => f.path).map((f) => unlink(f.path as string).catch(() => undefined)));
    };
    const fail = (err: HttpError) => {
      if (failed) return;
      failed = true;
      req.unpipe(bb);
      for (const s of active) s.resume();
      req.resume();
      req.off('aborted', onAborted);
      void Promise.allSettled(pending).then(cleanup);
      reject(err);
    };
    const onAborted = () => fail(errors.badRequest('The upload ended before it was complete.'));
    req.on('aborted', onAborted);

    bb.on('file', (name, stream, info) => {
      // busboy reports a cut-off form on the file stream too; unhandled, it would crash the process.
      stream.on('error', (err: Error) => fail(errors.badRequest(`Malformed multipart body: ${err.message}.`)));
      if (failed) {
        stream.resume();
        return;
      }
      if (isForbiddenKey(name)) return void (stream.resume(), fail(forbidden(name)));
      if (opts.fileFields && !opts.fileFields.includes(name)) {
        stream.resume();
        return fail(errors.badRequest(`Unexpected file field "${name}"; expected ${opts.fileFields.join(', ')}.`));
      }
      if (opts.accept && !opts.accept(info.mimeType, info.filename ?? '')) {
        stream.resume();
        return fail(new HttpError(415, 'unsupported_media_type', `File type ${info.mimeType} is not accepted.`));
      }
      const file: UploadedFile = { field: name, filename: info.filename ?? '', mimeType: info.mimeType, size: 0 };
      files.push(file);
      active.add(stream);
      stream.on('limit', () => fail(refuseBody(req, `File "${file.filename}" is larger than the limit of ${maxFileSize} bytes.`)));
      stream.on('data', (chunk: Buffer) => {
        file.size += chunk.length;
        total += chunk.length;
        if (total > maxTotal) fail(refuseBody(req, `The upload is larger than the limit of ${maxTotal} bytes.`));
      });
      if (storage === 'memory') {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => {
          if (!failed) chunks.push(c);
        });
        pending.push(
          new Promise<void>((done) =>
            stream.once('close', () => {
              active.delete(stream);
              if (!failed) file.buffer = Buffer.concat(chunks);
              done();
            }),
          ),
        );
      } else {
        const path = join(dir, `upload-${randomBytes(12).toString('hex')}`);
        file.path = path;
        const out = createWriteStream(path, { mode: 0o600 });
        stream.pipe(out);
        pending.push(
          new Promise<void>((done) => {
            out.once('close', () => {
              active.delete(stream);
              done();
            });
            out.once('error', () => {
              fail(new HttpError(500, 'internal', 'Internal error.'));
              done();
            });
          }),
        );
      }
    });
    bb.on('field', (name, value, info) => {
      if (failed) return;
      if (isForbiddenKey(name)) return fail(forbidden(name));
      if (info.valueTruncated) return fail(refuseBody(req, `Field "${name}" is larger than the limit.`));
      const prev = fields[name];
      if (prev === undefined) fields[name] = value;
      else if (Array.isArray(prev)) prev.push(value);
      else fields[name] = [prev, value];
    });
    bb.on('filesLimit', () => fail(refuseBody(req, `Too many files; at most ${maxFiles}.`)));
    bb.on('fieldsLimit', () => fail(refuseBody(req, 'Too many fields.')));
    bb.on('partsLimit', () => fail(refuseBody(req, 'Too many parts.')));
    bb.on('error', (err: Error) => fail(errors.badRequest(`Malformed multipart body: ${err.message}.`)));
    bb.on('close', () => {
      void Promise.all(pending).then(() => {
        req.off('aborted', onAborted);
        if (failed) return;
        resolve({ fields, files, cleanup });
      });
    });
    req.pipe(bb);
  });
}

function forbidden(name: string): HttpError {
  return new HttpError(400, 'forbidden_key', `Field name "${name}" is not allowed.`);
}
