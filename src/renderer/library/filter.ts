import type { DatasetDetail } from '../../shared/contract';

/** What the grid shows: everything, one label, or the pictures without one. */
export type Filter = { kind: 'all' } | { kind: 'label'; name: string } | { kind: 'unlabeled' };

export const allPictures: Filter = { kind: 'all' };

export function filterKey(f: Filter): string {
  return f.kind === 'label' ? `label:${f.name}` : f.kind;
}

export function sameFilter(a: Filter, b: Filter): boolean {
  return filterKey(a) === filterKey(b);
}

/** How many pictures the filter holds, by the dataset's counts (to size the grid before pages arrive). */
export function expectedCount(f: Filter, d: DatasetDetail | undefined): number | undefined {
  if (!d) return undefined;
  if (f.kind === 'all') return d.imageCount;
  if (f.kind === 'unlabeled') return d.unlabeledCount;
  return d.labels.find((l) => l.name === f.name)?.count ?? 0;
}

export function filterTitle(f: Filter): string {
  return f.kind === 'all' ? 'All pictures' : f.kind === 'unlabeled' ? 'Unlabelled' : f.name;
}
