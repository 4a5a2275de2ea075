/**
 * A stable hue per label name, so a label keeps its colour across sessions and machines
 * without storing one. The hue is spread with a golden-ratio step to keep neighbours apart.
 */
export function labelHue(name: string): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return Math.round((((h >>> 0) * 0.618033988749895) % 1) * 360);
}
