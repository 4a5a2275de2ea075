import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';

/*
 * Real picture files for the browser tests, drawn as SVG and encoded by sharp: little cat
 * and dog faces in varied colours, so the README screenshot shows something friendly and
 * every file has different bytes (the library stores identical bytes only once).
 */

function rand(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function catSvg(i: number): string {
  const r = rand(1000 + i);
  const bgH = Math.floor(20 + r() * 40);
  const furH = Math.floor(15 + r() * 30);
  const furL = Math.floor(45 + r() * 30);
  const tilt = (r() - 0.5) * 16;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="320" viewBox="0 0 320 320">
  <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="hsl(${bgH},70%,88%)"/><stop offset="1" stop-color="hsl(${bgH + 25},65%,76%)"/></linearGradient></defs>
  <rect width="320" height="320" fill="url(#g)"/>
  <circle cx="${40 + r() * 240}" cy="${30 + r() * 60}" r="${10 + r() * 30}" fill="#fff" opacity="0.35"/>
  <g transform="rotate(${tilt} 160 180)">
    <path d="M85 150 L100 60 L150 115 Z" fill="hsl(${furH},45%,${furL - 8}%)"/>
    <path d="M235 150 L220 60 L170 115 Z" fill="hsl(${furH},45%,${furL - 8}%)"/>
    <ellipse cx="160" cy="185" rx="95" ry="82" fill="hsl(${furH},45%,${furL}%)"/>
    <ellipse cx="125" cy="170" rx="13" ry="${14 + r() * 6}" fill="#2b2b2b"/>
    <ellipse cx="195" cy="170" rx="13" ry="${14 + r() * 6}" fill="#2b2b2b"/>
    <circle cx="129" cy="165" r="4" fill="#fff"/><circle cx="199" cy="165" r="4" fill="#fff"/>
    <path d="M150 205 L170 205 L160 216 Z" fill="#e58a9a"/>
    <path d="M160 216 Q150 230 138 224 M160 216 Q170 230 182 224" stroke="#3a3a3a" stroke-width="3" fill="none"/>
    <path d="M90 205 L40 195 M90 215 L42 222 M230 205 L280 195 M230 215 L278 222" stroke="#3a3a3a" stroke-width="2.5"/>
  </g>
</svg>`;
}

function dogSvg(i: number): string {
  const r = rand(5000 + i);
  const bgH = Math.floor(170 + r() * 60);
  const furH = Math.floor(20 + r() * 25);
  const furL = Math.floor(35 + r() * 35);
  const tilt = (r() - 0.5) * 16;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="320" viewBox="0 0 320 320">
  <defs><linearGradient id="g" x1="0" y1="1" x2="1" y2="0"><stop offset="0" stop-color="hsl(${bgH},55%,84%)"/><stop offset="1" stop-color="hsl(${bgH + 20},60%,72%)"/></linearGradient></defs>
  <rect width="320" height="320" fill="url(#g)"/>
  <rect x="${r() * 250}" y="${250 + r() * 40}" width="${40 + r() * 60}" height="12" rx="6" fill="#fff" opacity="0.35"/>
  <g transform="rotate(${tilt} 160 175)">
    <ellipse cx="80" cy="150" rx="32" ry="70" fill="hsl(${furH},40%,${furL - 12}%)" transform="rotate(18 80 150)"/>
    <ellipse cx="240" cy="150" rx="32" ry="70" fill="hsl(${furH},40%,${furL - 12}%)" transform="rotate(-18 240 150)"/>
    <ellipse cx="160" cy="170" rx="85" ry="92" fill="hsl(${furH},40%,${furL}%)"/>
    <ellipse cx="160" cy="215" rx="50" ry="38" fill="hsl(${furH},35%,${Math.min(90, furL + 25)}%)"/>
    <circle cx="128" cy="155" r="12" fill="#2b2b2b"/><circle cx="192" cy="155" r="12" fill="#2b2b2b"/>
    <circle cx="132" cy="151" r="4" fill="#fff"/><circle cx="196" cy="151" r="4" fill="#fff"/>
    <ellipse cx="160" cy="198" rx="17" ry="12" fill="#262626"/>
    <path d="M160 210 L160 225 Q148 238 136 230 M160 225 Q172 238 184 230" stroke="#262626" stroke-width="3" fill="none"/>
    ${r() > 0.5 ? '<path d="M152 232 Q160 252 168 232 Z" fill="#e5707f"/>' : ''}
  </g>
</svg>`;
}

/** Writes `count` cats into DIR/cats and `count` dogs into DIR/dogs, half PNG, half JPEG. */
export async function writePetFolders(dir: string, count: number): Promise<void> {
  for (const kind of ['cats', 'dogs'] as const) {
    mkdirSync(join(dir, kind), { recursive: true });
    for (let i = 0; i < count; i++) {
      const svg = Buffer.from(kind === 'cats' ? catSvg(i) : dogSvg(i));
      const img = sharp(svg);
      const name = `${kind.slice(0, -1)}-${String(i + 1).padStart(2, '0')}`;
      if (i % 2 === 0) await img.png().toFile(join(dir, kind, `${name}.png`));
      else await img.jpeg({ quality: 88 }).toFile(join(dir, kind, `${name}.jpg`));
    }
  }
}
