import { GraphBuilder, valueInfo } from '../onnx/graph-builder';
import { encodeModel } from '../onnx/onnx-proto';

/**
 * The one resize every Loupe model sees, written as ONNX operators so that it is defined by
 * the ONNX specification rather than by one image library: the app runs it (preprocess.ts)
 * and every exported file carries it in its graph, so an outside program hands the file
 * the picture at its own size and gets exactly the app's pixels.
 *
 * uint8 RGB `[N, H, W, 3]` at any size →
 * 1. Resize (opset 18) of both spatial axes to cover `width × height`: scale
 *    s = max(width / W, height / H), size round(s·H) × round(s·W), mode `linear` with
 *    `antialias = 1` (a triangle filter whose support widens by 1/s when shrinking, as
 *    Pillow's BILINEAR does), `half_pixel` coordinates;
 * 2. crop the centre `width × height` (the excess halved, rounded down, at the top/left);
 * 3. round half to even, clip to 0..255, back to uint8 `[N, height, width, 3]`.
 */
export const RESIZE_OPSET = 18;

/** Bumped whenever the pixels a backbone sees change; part of every backbone id (model-card.ts). */
export const PIXELS_VERSION = 'px2';

/** Adds the resize to a graph: `input` (uint8 NHWC, any H and W) → the returned tensor (uint8 NHWC, height × width). */
export function addCoverResize(g: GraphBuilder, input: string, width: number, height: number): string {
  return addResizeSteps(g, input, width, height).cropped;
}

/** Steps 1–3, also naming step 1's float output (the picture covering the model's size, not yet cropped). */
function addResizeSteps(g: GraphBuilder, input: string, width: number, height: number): { cropped: string; covered: string } {
  // Resized in NHWC along axes 1 and 2: no Transpose around the Resize for optimisers to rewrite.
  let x = g.node('Cast', [input], 'resize/f32', { to: 1 });
  const target = g.int64s('resize/target', [height, width]);
  x = g.node('Resize', [x, '', '', target], 'resize/covered', {
    mode: 'linear',
    antialias: 1,
    axes: [1, 2],
    keep_aspect_ratio_policy: 'not_smaller',
    coordinate_transformation_mode: 'half_pixel',
  });
  const shape = g.node('Shape', [x], 'resize/shape');
  const size = g.node('Slice', [shape, g.int64s('resize/hw_from', [1]), g.int64s('resize/hw_to', [3])], 'resize/size');
  const starts = g.node('Div', [g.node('Sub', [size, target], 'resize/excess'), g.int64s('resize/two', [2, 2])], 'resize/starts');
  const ends = g.node('Add', [starts, target], 'resize/ends');
  const covered = x;
  x = g.node('Slice', [x, starts, ends, g.int64s('resize/axes', [1, 2])], 'resize/cropped');
  x = g.node('Round', [x], 'resize/rounded');
  x = g.node('Clip', [x, g.scalar('resize/lo', 0), g.scalar('resize/hi', 255)], 'resize/clipped');
  return { cropped: g.node('Cast', [x], 'resize/u8', { to: 2 }), covered };
}

/**
 * The resize alone, as a model: `image` uint8 [N,H,W,3] → `resized` uint8 [N,height,width,3].
 * With `covered`, a second output `covered` holds step 1's picture before the crop (uint8, the
 * short side at the model's size): the import makes its thumbnail from that for a fraction of
 * the cost of shrinking the whole decode again. `resized` is computed by the same nodes either way.
 */
export function resizeModel(width: number, height: number, opts: { covered?: boolean } = {}): Uint8Array {
  const g = new GraphBuilder();
  g.inputs.push(valueInfo('image', 'uint8', ['N', 'H', 'W', 3]));
  const steps = addResizeSteps(g, 'image', width, height);
  g.rename(steps.cropped, 'resized');
  g.output('resized', 'uint8', ['N', height, width, 3]);
  if (opts.covered) {
    let c = g.node('Round', [steps.covered], 'covered/rounded');
    c = g.node('Clip', [c, g.scalar('covered/lo', 0), g.scalar('covered/hi', 255)], 'covered/clipped');
    g.rename(g.node('Cast', [c], 'covered/u8', { to: 2 }), 'covered');
    g.output('covered', 'uint8', ['N', 'CH', 'CW', 3]);
  }
  const model = g.model('loupe_resize');
  return encodeModel({ ...model, opsetImport: [{ domain: '', version: RESIZE_OPSET }] });
}
