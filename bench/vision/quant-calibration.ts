import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { preprocessImage } from '../../src/main/vision/node/preprocess/preprocess';
import { readIdxImages, shuffledIndices } from './fashion-mnist';
import { ensurePhotos } from './photos';

// The deterministic calibration set for the int8 backbone: 96 Fashion-MNIST TRAIN pictures
// (from a slice of the seed-6 shuffle that no tap selection or accuracy check uses) and 32
// photo-like JPEGs, preprocessed exactly as for inference, in batches of 16.

export const CALIBRATION_SLICE: [number, number] = [50_000, 50_096];

export async function fashionPixels(indices: number[]): Promise<Buffer[]> {
  const imgs = readIdxImages('train');
  const px = imgs.rows * imgs.cols;
  return Promise.all(
    indices.map(async (i) => {
      const png = await sharp(Buffer.from(imgs.pixels.subarray(i * px, (i + 1) * px)), { raw: { width: imgs.cols, height: imgs.rows, channels: 1 } })
        .png()
        .toBuffer();
      return preprocessImage(png, { width: 224, height: 224 });
    }),
  );
}

export async function calibrationBatches(photoDir: string): Promise<ort.Tensor[]> {
  const order = shuffledIndices(60000, 6);
  const fashion = await fashionPixels(order.slice(...CALIBRATION_SLICE));
  const photos = await Promise.all((await ensurePhotos(photoDir, 32)).map((f) => preprocessImage(f, { width: 224, height: 224 })));
  const all = [...fashion, ...photos];
  const batches: ort.Tensor[] = [];
  for (let i = 0; i < all.length; i += 16) {
    const part = all.slice(i, i + 16);
    batches.push(new ort.Tensor('uint8', Buffer.concat(part), [part.length, 224, 224, 3]));
  }
  return batches;
}
