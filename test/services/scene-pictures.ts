import sharp from 'sharp';

// Generated pictures that are each their own: used by the near-duplicate test and bench/vision/duplicates-threshold.ts.

/** A picture of its own: random shapes in random colours on a random background (SVG through sharp). */
export function scene(seed: number): Promise<Buffer> {
  let s = (seed * 2654435761) >>> 0 || 1;
  const r = () => (s = (s * 1103515245 + 12345) >>> 0) / 4294967296;
  const colour = () => `rgb(${Math.floor(r() * 256)},${Math.floor(r() * 256)},${Math.floor(r() * 256)})`;
  const shapes: string[] = [];
  for (let i = 0; i < 6; i++) {
    if (r() < 0.5) shapes.push(`<circle cx="${r() * 128}" cy="${r() * 128}" r="${8 + r() * 40}" fill="${colour()}"/>`);
    else
      shapes.push(
        `<rect x="${r() * 100}" y="${r() * 100}" width="${10 + r() * 60}" height="${10 + r() * 60}" fill="${colour()}" transform="rotate(${r() * 90} 64 64)"/>`,
      );
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="128" height="128"><rect width="128" height="128" fill="${colour()}"/>${shapes.join('')}</svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}
