import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { VisionError } from '../../src/main/vision/pure/errors';
import { convertLayersModel } from '../../src/main/vision/node/convert/layers-to-onnx';
import { loadLayersModelFile } from '../../src/main/vision/node/convert/tfjs-model';

// A Teachable-Machine-shaped model (a Sequential holding a Sequential base and a Sequential
// head, float32 weights, saved as model.json + weights.bin) converts through the same path.

async function saveAsFiles(model: tf.LayersModel, dir: string): Promise<string> {
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      writeFileSync(
        join(dir, 'model.json'),
        JSON.stringify({ modelTopology: a.modelTopology, format: 'layers-model', weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }] }),
      );
      writeFileSync(join(dir, 'weights.bin'), Buffer.from(a.weightData as ArrayBuffer));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return join(dir, 'model.json');
}

function randomise(model: tf.LayersModel): void {
  let s = 11;
  const r = (): number => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
  for (const l of model.layers.flatMap((x) => ('layers' in x ? (x as tf.LayersModel).layers : [x]))) {
    l.setWeights(
      l.getWeights().map((w) => {
        const isVar = l.getClassName() === 'BatchNormalization' && w.shape.length === 1;
        return tf.tensor(
          Float32Array.from({ length: w.size }, () => (isVar ? 0.5 + r() : r() - 0.5)),
          w.shape,
        );
      }),
    );
  }
}

describe('converting a Teachable Machine style model', () => {
  it('gives the same class probabilities as TF.js', async () => {
    await tf.setBackend('cpu');
    const base = tf.sequential({
      name: 'base',
      layers: [
        tf.layers.zeroPadding2d({
          inputShape: [32, 32, 3],
          padding: [
            [1, 2],
            [0, 1],
          ],
          name: 'pad',
        }),
        tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'valid', activation: 'relu', name: 'c1' }),
        tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', name: 'dw' }),
        tf.layers.batchNormalization({ name: 'bn' }),
        tf.layers.reLU({ maxValue: 6, name: 'relu6' }),
        tf.layers.maxPooling2d({ poolSize: 2, name: 'mp' }),
        tf.layers.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same', name: 'ap' }),
        tf.layers.flatten({ name: 'flat' }),
      ],
    });
    const head = tf.sequential({
      name: 'head',
      layers: [
        tf.layers.dense({ inputShape: [base.outputs[0].shape[1] as number], units: 6, activation: 'relu', name: 'd1' }),
        tf.layers.dropout({ rate: 0.5, name: 'drop' }),
        tf.layers.dense({ units: 3, activation: 'softmax', name: 'd2' }),
      ],
    });
    const tm = tf.sequential({ layers: [base, head] });
    randomise(tm);
    const dir = mkdtempSync(join(tmpdir(), 'loupe-tm-'));
    const file = await saveAsFiles(tm, dir);

    const pixels = Uint8Array.from({ length: 2 * 32 * 32 * 3 }, (_, i) => (i * 37) % 256);
    const want = (tm.predict(tf.tensor4d(pixels, [2, 32, 32, 3], 'int32').toFloat().sub(127.5).div(127.5)) as tf.Tensor).dataSync();

    const converted = convertLayersModel(loadLayersModelFile(file), { normalize: { mean: [127.5], std: [127.5] } });
    expect(converted.featureDim).toBe(3);
    const session = await ort.InferenceSession.create(Buffer.from(converted.onnx));
    const out = await session.run({ image: new ort.Tensor('uint8', pixels, [2, 32, 32, 3]) });
    const got = out.features.data as Float32Array;
    expect(got.length).toBe(want.length);
    for (let i = 0; i < got.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThan(1e-5);
    await session.release();
  });

  it('names the file and the layer it cannot convert', () => {
    const dir = mkdtempSync(join(tmpdir(), 'loupe-tm-bad-'));
    const file = join(dir, 'model.json');
    writeFileSync(
      file,
      JSON.stringify({
        modelTopology: {
          model_config: {
            class_name: 'Sequential',
            config: { name: 's', layers: [{ class_name: 'LSTM', config: { name: 'lstm', units: 4, batch_input_shape: [null, 8, 8, 3] } }] },
          },
        },
        weightsManifest: [],
      }),
    );
    let err: unknown;
    try {
      convertLayersModel(loadLayersModelFile(file));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(VisionError);
    expect((err as VisionError).code).toBe('unsupported_layer');
    expect((err as VisionError).message).toContain(file);
    expect((err as VisionError).message).toContain('lstm');
    writeFileSync(file, '{"not": "a model"}');
    expect(() => loadLayersModelFile(file)).toThrow(/not a TF.js layers model/);
  });
});
