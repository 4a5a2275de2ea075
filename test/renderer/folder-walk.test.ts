import { describe, expect, it } from 'vitest';
import { labelFromRelativePath, pickFiles, walkEntries, type WalkDirEntry, type WalkEntry, type WalkFileEntry } from '../../src/renderer/lib/folder-walk';

// Fakes shaped like the browser's File System entries: directory readers hand out their
// children in batches, as Chromium does (100 at a time), and then an empty batch.
function file(name: string): WalkFileEntry {
  return { isFile: true, isDirectory: false, name, file: (ok) => setTimeout(() => ok(new File([name], name)), 0) };
}
function dir(name: string, children: WalkEntry[], batch = 100): WalkDirEntry {
  return {
    isFile: false,
    isDirectory: true,
    name,
    createReader() {
      let at = 0;
      return {
        readEntries(ok) {
          setTimeout(() => {
            const out = children.slice(at, at + batch);
            at += out.length;
            ok(out);
          }, 0);
        },
      };
    },
  };
}

describe('walking dropped folders', () => {
  it('gives each picture the name of the folder it sits in', async () => {
    const pets = dir('pets', [dir('cats', [file('a.jpg'), file('b.png')]), dir('dogs', [file('c.webp')]), file('loose.jpg')]);
    const r = await walkEntries([pets, file('top.jpeg')], { looseLabel: undefined });
    const got = r.files.map((f) => [f.path, f.label]).sort();
    expect(got).toEqual([
      ['pets/cats/a.jpg', 'cats'],
      ['pets/cats/b.png', 'cats'],
      ['pets/dogs/c.webp', 'dogs'],
      ['pets/loose.jpg', 'pets'],
      ['top.jpeg', undefined],
    ]);
  });

  it('reads a folder of 1,000 pictures to the end though the reader hands them out in batches', async () => {
    const many = Array.from({ length: 1000 }, (_, i) => file(`p${i}.png`));
    const found: number[] = [];
    const r = await walkEntries([dir('big', many)], { onFound: (n) => found.push(n) });
    expect(r.files).toHaveLength(1000);
    expect(new Set(r.files.map((f) => f.file.name)).size).toBe(1000);
    expect(found[found.length - 1]).toBe(1000);
  });

  it('lists non-pictures by name and skips hidden files silently', async () => {
    const r = await walkEntries([dir('d', [file('notes.txt'), file('.DS_Store'), file('Thumbs.db'), file('ok.gif')])]);
    expect(r.files.map((f) => f.path)).toEqual(['d/ok.gif']);
    expect(r.skipped.map((s) => s.name)).toEqual(['d/notes.txt']);
    expect(r.skipped[0].message).toMatch(/Not a picture/);
  });

  it('stops walking when cancelled', async () => {
    const ac = new AbortController();
    ac.abort();
    const r = await walkEntries([dir('d', [file('a.png')])], { signal: ac.signal });
    expect(r.files).toHaveLength(0);
  });

  it('labels folder-input files by their relative path', () => {
    expect(labelFromRelativePath('pets/cats/a.jpg')).toBe('cats');
    expect(labelFromRelativePath('cats/a.jpg')).toBe('cats');
    expect(labelFromRelativePath('a.jpg')).toBeUndefined();
    const withPath = (name: string, rel: string) => Object.assign(new File(['x'], name), { webkitRelativePath: rel });
    const r = pickFiles([withPath('a.jpg', 'pets/cats/a.jpg'), withPath('b.txt', 'pets/b.txt'), withPath('c.png', 'pets/.git/c.png')]);
    expect(r.files.map((f) => f.label)).toEqual(['cats']);
    expect(r.skipped.map((s) => s.name)).toEqual(['pets/b.txt']);
    expect(pickFiles([new File(['x'], 'x.jpg')], 'dogs').files[0].label).toBe('dogs');
  });
});
