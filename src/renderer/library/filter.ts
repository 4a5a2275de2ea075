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

/** The filter as the last part of the Library's URL (`#/library/3/label/Shirt`); undefined for all pictures. */
export function viewOf(f: Filter): string | undefined {
  return f.kind === 'label' ? `label/${f.name}` : f.kind === 'unlabeled' ? 'unlabelled' : undefined;
}

export function filterOfView(view: string | undefined): Filter {
  if (view === 'unlabelled') return { kind: 'unlabeled' };
  if (view?.startsWith('label/') && view.length > 6) return { kind: 'label', name: view.slice(6) };
  return allPictures;
}

/** Where pictures added now go, in words: under a label filter they take that label, and the button says so. */
export function addTarget(f: Filter): { button: string; hint: string; label: string | undefined } {
  if (f.kind === 'label') return { button: `Add pictures to “${f.name}”…`, hint: `Drop pictures: they are labelled “${f.name}”`, label: f.name };
  return { button: 'Add pictures…', hint: 'Drop pictures or folders — folder names become labels, loose pictures stay unlabelled', label: undefined };
}
