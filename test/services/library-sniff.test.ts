import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { extensionOf, sniffExtension } from '../../src/main/services/library/decode';

const red = () => sharp({ create: { width: 8, height: 6, channels: 3, background: { r: 200, g: 10, b: 10 } } });

describe('the signature that names a library file before its header is parsed', () => {
  it('names each common format as its decoder does', async () => {
    const encoded: Array<[string, Buffer]> = [
      ['jpeg', await red().jpeg().toBuffer()],
      ['png', await red().png().toBuffer()],
      ['webp', await red().webp().toBuffer()],
      ['gif', await red().gif().toBuffer()],
      ['tiff', await red().tiff().toBuffer()],
    ];
    for (const [format, bytes] of encoded) {
      expect((await sharp(bytes).metadata()).format).toBe(format);
      expect(sniffExtension(bytes), format).toBe(extensionOf(format));
    }
  });

  it('says nothing for ambiguous containers, text and short or empty files (those are parsed first)', async () => {
    expect(sniffExtension(await red().avif().toBuffer())).toBeNull();
    expect(sniffExtension(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBeNull();
    expect(sniffExtension(Buffer.from([0xff, 0xd8]))).toBeNull();
    expect(sniffExtension(Buffer.alloc(0))).toBeNull();
    expect(sniffExtension(Buffer.from('RIFF\0\0\0\0WAVE'))).toBeNull();
  });
});
