/**
 * Default label colours: the n-th label of a dataset gets the hue n × 137.5° (the golden
 * angle), so any two labels made one after the other sit far apart on the colour wheel and
 * the first few never look alike. Saturation and lightness are fixed so a swatch reads on
 * both themes. Shared by the main process (which hands the colour out) and the renderer.
 */
export const GOLDEN_ANGLE = 137.50776405003785;

export function defaultLabelColor(position: number): string {
  const hue = (200 + position * GOLDEN_ANGLE) % 360;
  return hslToHex(hue, 0.62, 0.5);
}

/** A colour as `#rrggbb` (what a person may set: the picker's format). */
export const HEX_COLOR = /^#[0-9a-f]{6}$/;

export function hslToHex(h: number, s: number, l: number): string {
  const k = (n: number) => (n + h / 30) % 12;
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => l - a * Math.max(-1, Math.min(k(n) - 3, Math.min(9 - k(n), 1)));
  const hex = (x: number) =>
    Math.round(x * 255)
      .toString(16)
      .padStart(2, '0');
  return `#${hex(f(0))}${hex(f(8))}${hex(f(4))}`;
}
