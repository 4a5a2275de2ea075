import type { Agreement, DatasetDetail, ImageSort } from '../../shared/contract';

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

/**
 * The grid's finer filters and its order, beside the given-label filter: what the model
 * guesses, how sure it is, whether guess and label agree, the file name; kept in the URL's
 * parameters (`?predicted=Sneaker&min=0.9&sort=-confidence`).
 */
export interface GridQuery {
  predicted?: string;
  min?: number;
  max?: number;
  agreement?: Agreement;
  q?: string;
  sort?: ImageSort;
}

const SORTS: readonly ImageSort[] = ['added', 'name', 'confidence', '-confidence'];

function confidence(v: string | undefined): number | undefined {
  if (v === undefined || v.trim() === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 && n <= 1 ? n : undefined;
}

/** The grid query from the address's parameters; a value that makes no sense is left out, not an error. */
export function gridQueryOf(params: Record<string, string> | undefined): GridQuery {
  const p = params ?? {};
  const out: GridQuery = {};
  if (p.predicted) out.predicted = p.predicted;
  const min = confidence(p.min);
  const max = confidence(p.max);
  if (min !== undefined) out.min = min;
  if (max !== undefined) out.max = max;
  if (p.agreement === 'agrees' || p.agreement === 'disagrees') out.agreement = p.agreement;
  const q = p.q?.trim();
  if (q) out.q = q;
  if (p.sort && (SORTS as readonly string[]).includes(p.sort) && p.sort !== 'added') out.sort = p.sort as ImageSort;
  return out;
}

export function paramsOf(q: GridQuery): Record<string, string> {
  const out: Record<string, string> = {};
  if (q.predicted) out.predicted = q.predicted;
  if (q.min !== undefined) out.min = String(q.min);
  if (q.max !== undefined) out.max = String(q.max);
  if (q.agreement) out.agreement = q.agreement;
  if (q.q) out.q = q.q;
  if (q.sort && q.sort !== 'added') out.sort = q.sort;
  return out;
}

/** Whether anything but the given label narrows the grid (the sort does not). */
export function narrows(q: GridQuery): boolean {
  return q.predicted !== undefined || q.min !== undefined || q.max !== undefined || q.agreement !== undefined || q.q !== undefined;
}

export function gridQueryKey(q: GridQuery): string {
  return new URLSearchParams(paramsOf(q)).toString();
}

/** The images.list arguments of a filter and grid query. */
export function listArgs(f: Filter, q: GridQuery) {
  return {
    ...(f.kind === 'label' ? { label: f.name } : {}),
    ...(f.kind === 'unlabeled' ? { unlabeled: true } : {}),
    ...(q.predicted ? { predicted: q.predicted } : {}),
    ...(q.min !== undefined ? { minConfidence: q.min } : {}),
    ...(q.max !== undefined ? { maxConfidence: q.max } : {}),
    ...(q.agreement ? { agreement: q.agreement } : {}),
    ...(q.q ? { q: q.q } : {}),
    ...(q.sort ? { sort: q.sort } : {}),
  };
}
