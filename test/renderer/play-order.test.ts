// Play lays results out in file order, sums them up per predicted label, and reads a test
// folder's labels from its sub-folders.
import { describe, expect, it } from 'vitest';
import { inFileOrder, labelledFiles, summarise } from '../../src/renderer/play/play-order';

describe('play order', () => {
  it('sorts like a file manager: folders, then names with numbers in number order', () => {
    const files = ['pics/b/img10.png', 'pics/b/img2.png', 'pics/a/z.png', 'pics/B/img1.png'].map((p) => ({ name: p.split('/').pop()!, webkitRelativePath: p }));
    expect(inFileOrder(files).map((f) => f.webkitRelativePath)).toEqual(['pics/a/z.png', 'pics/B/img1.png', 'pics/b/img2.png', 'pics/b/img10.png']);
    expect(inFileOrder([{ name: 'x10.jpg' }, { name: 'x9.jpg' }, { name: 'x1.jpg' }]).map((f) => f.name)).toEqual(['x1.jpg', 'x9.jpg', 'x10.jpg']);
  });

  it('sums up per predicted label, most pictures first, ignoring pictures still running', () => {
    const rows = summarise([{ label: 'cats', confidence: 0.9 }, { label: 'dogs', confidence: 0.6 }, undefined, { label: 'cats', confidence: 0.7 }]);
    expect(rows).toEqual([
      { label: 'cats', count: 2, meanConfidence: expect.closeTo(0.8, 6) },
      { label: 'dogs', count: 1, meanConfidence: expect.closeTo(0.6, 6) },
    ]);
  });

  it('takes each test picture’s label from its folder and leaves loose ones out', () => {
    const files = ['test/dogs/1.png', 'test/cats/2.png', 'test/readme.png', 'test/cats/deep/3.png'].map((p) => ({
      name: p.split('/').pop()!,
      webkitRelativePath: p,
    }));
    const r = labelledFiles(files);
    expect(r.items.map((x) => [x.file.webkitRelativePath, x.label])).toEqual([
      ['test/cats/2.png', 'cats'],
      ['test/cats/deep/3.png', 'deep'],
      ['test/dogs/1.png', 'dogs'],
    ]);
    expect(r.unlabelled).toBe(1);
  });
});
