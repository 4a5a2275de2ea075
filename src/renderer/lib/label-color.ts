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

/** The hue of a #rrggbb colour (chips are tinted per theme from the hue alone); 0 for none. */
export function hueOf(hex: string | undefined): number {
  if (!hex || !/^#[0-9a-f]{6}$/i.test(hex)) return 0;
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
  const max = Math.max(r, g, b);
  const d = max - Math.min(r, g, b);
  if (d === 0) return 0;
  const h = max === r ? ((g - b) / d) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
  return Math.round((h * 60 + 360) % 360);
}
