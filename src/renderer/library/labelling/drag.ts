/** Pictures dragged from the grid onto a label carry their ids under this type (never files). */
export const PICTURES_MIME = 'application/x-loupe-pictures';

export function isPictureDrag(types: readonly string[]): boolean {
  return types.includes(PICTURES_MIME);
}

export function readPictureDrag(data: DataTransfer): string[] {
  try {
    const ids: unknown = JSON.parse(data.getData(PICTURES_MIME));
    return Array.isArray(ids) ? ids.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}
