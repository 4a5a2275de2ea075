// A head stored in SQLite (binary) or sent as JSON comes back predicting exactly the same,
// and a damaged one is refused with a clear error instead of predicting garbage.
import { beforeAll, describe, expect, it } from 'vitest';
import { deserializeHead, headFromJSON, headToJSON, predict, predictTop, serializeHead, trainHead, type HeadWeights } from '../../src/main/vision/pure/train';
import { gaussianBlobs } from './train-synthetic';

describe('head storage and prediction', () => {
  let mlp: HeadWeights;
  let softmax: HeadWeights;
  const data = gaussianBlobs({ classes: 3, perClass: 60, dim: 12, separation: 3, seed: 11 });

  beforeAll(async () => {
    mlp = (await trainHead(data, { kind: 'mlp', hiddenUnits: 8, epochs: 10 })).head;
    softmax = (await trainHead(data, { epochs: 10 })).head;
  });

  it('round-trips through bytes and JSON with identical predictions', () => {
    for (const head of [mlp, softmax]) {
      const bytes = serializeHead(head);
      const back = deserializeHead(Buffer.from(bytes));
      expect(back).toEqual(head);
      const json = JSON.parse(JSON.stringify(headToJSON(head)));
      expect(headFromJSON(json)).toEqual(head);
      expect(predict(back, data.features)).toEqual(predict(head, data.features));
    }
  });

  it('refuses damaged stored heads', () => {
    const bytes = serializeHead(mlp);
    const expectInvalid = (b: Uint8Array, why: RegExp) => {
      expect(() => deserializeHead(b)).toThrow(expect.objectContaining({ code: 'invalid_head', message: expect.stringMatching(why) }));
    };
    expectInvalid(bytes.subarray(0, bytes.length - 4), /bytes where/);
    expectInvalid(new Uint8Array([1, 2, 3]), /too short/);
    const wrongMagic = bytes.slice();
    wrongMagic[0] ^= 0xff;
    expectInvalid(wrongMagic, /not a Loupe head/);
    const nanWeight = bytes.slice();
    new DataView(nanWeight.buffer).setFloat32(nanWeight.length - 4, NaN, true);
    expectInvalid(nanWeight, /NaN/);
    expect(() => headFromJSON({ ...headToJSON(mlp), labels: ['a'] })).toThrow(expect.objectContaining({ code: 'invalid_head' }));
    expect(() => headFromJSON('nonsense')).toThrow(expect.objectContaining({ code: 'invalid_head' }));
  });

  it('predicts probabilities that sum to one and ranks them best first', () => {
    const P = predict(softmax, data.features);
    expect(P.length).toBe(180 * 3);
    for (let i = 0; i < 180; i++) expect(P[i * 3] + P[i * 3 + 1] + P[i * 3 + 2]).toBeCloseTo(1, 5);
    const rows = Array.from({ length: 180 }, (_, i) => data.features.subarray(i * 12, (i + 1) * 12));
    expect(predict(softmax, rows)).toEqual(P);
    const top = predictTop(softmax, rows.slice(0, 5), 2);
    for (const row of top) {
      expect(row).toHaveLength(2);
      expect(row[0].confidence).toBeGreaterThanOrEqual(row[1].confidence);
    }
    const right = top.filter((row, i) => row[0].label === data.labels[i]).length;
    expect(right).toBeGreaterThanOrEqual(4);
  });

  it('refuses rows of the wrong dimension, naming the problem', () => {
    expect(() => predict(softmax, [new Float32Array(11)])).toThrow(
      expect.objectContaining({ code: 'dimension_mismatch', message: expect.stringContaining('expects 12') }),
    );
    expect(() => predict(softmax, new Float32Array(13))).toThrow(expect.objectContaining({ code: 'dimension_mismatch' }));
    expect(() => predict(softmax, [new Float32Array(12).fill(NaN)])).toThrow(expect.objectContaining({ code: 'non_finite_feature' }));
    expect(predict(softmax, new Float32Array(0))).toEqual(new Float32Array(0));
  });
});
