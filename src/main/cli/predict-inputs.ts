// The pictures a `loupe predict` was given: files as named, folders walked (sub-folders
// too, hidden ones skipped) for picture files, in name order. What cannot be found or
// read is returned beside the rest, to be reported; it never stops the others.
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';

const IMAGE_EXT = new Set(['.jpg', '.jpeg', '.png', '.webp', '.gif', '.tif', '.tiff', '.avif', '.heic', '.heif', '.bmp']);

export interface InputProblem {
  file: string;
  message: string;
}

async function walk(dir: string, out: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory() && !e.name.startsWith('.')) await walk(p, out);
    // A link to a picture counts (a dangling one is listed too, and reported when read).
    else if ((e.isFile() || e.isSymbolicLink()) && IMAGE_EXT.has(extname(e.name).toLowerCase())) out.push(p);
  }
}

/** Files named on the command line and the picture files under the folders named. */
export async function expandInputs(args: readonly string[]): Promise<{ files: string[]; problems: InputProblem[] }> {
  const files: string[] = [];
  const problems: InputProblem[] = [];
  for (const arg of args) {
    const path = resolve(arg);
    try {
      if ((await stat(path)).isDirectory()) await walk(path, files);
      else files.push(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      problems.push({ file: arg, message: code === 'ENOENT' ? 'no such file or folder' : `cannot read it (${code ?? String(err)})` });
    }
  }
  return { files, problems };
}

export async function readPicture(file: string): Promise<Buffer | InputProblem> {
  try {
    return await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { file, message: code === 'EACCES' ? 'permission denied' : `cannot read it (${code ?? String(err)})` };
  }
}
