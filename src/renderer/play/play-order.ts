/** Play's pure helpers (DOM-free, tested in Node): file order, the summary, folder labels. */

export interface FileLike {
  name: string;
  webkitRelativePath?: string;
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/** A file's path as the person sees it: inside the picked folder, else its name. */
export function pathOf(f: FileLike): string {
  return f.webkitRelativePath || f.name;
}

/** Files in the order a file manager lists them ("img2" before "img10"), whatever order they finished in. */
export function inFileOrder<T extends FileLike>(files: readonly T[]): T[] {
  return [...files].sort((a, b) => collator.compare(pathOf(a), pathOf(b)));
}

export interface SummaryRow {
  label: string;
  count: number;
  /** Mean confidence of the pictures predicted as this label. */
  meanConfidence: number;
}

/** One row per predicted label, most pictures first. */
export function summarise(predictions: ReadonlyArray<{ label: string; confidence: number } | undefined>): SummaryRow[] {
  const by = new Map<string, { n: number; sum: number }>();
  for (const p of predictions) {
    if (!p) continue;
    const s = by.get(p.label) ?? { n: 0, sum: 0 };
    s.n++;
    s.sum += p.confidence;
    by.set(p.label, s);
  }
  return [...by]
    .map(([label, s]) => ({ label, count: s.n, meanConfidence: s.sum / s.n }))
    .sort((a, b) => b.count - a.count || collator.compare(a.label, b.label));
}

/**
 * A picked test folder's pictures with their labels: each picture's label is the folder that
 * holds it (`test/cats/a.png` → cats). Pictures straight in the picked folder have no label
 * and are left out (counted in `unlabelled`).
 */
export function labelledFiles<T extends FileLike>(files: readonly T[]): { items: Array<{ file: T; label: string }>; unlabelled: number } {
  const items: Array<{ file: T; label: string }> = [];
  let unlabelled = 0;
  for (const f of inFileOrder(files)) {
    const parts = pathOf(f).split('/').filter(Boolean);
    if (parts.length < 3) unlabelled++;
    else items.push({ file: f, label: parts[parts.length - 2] });
  }
  return { items, unlabelled };
}
