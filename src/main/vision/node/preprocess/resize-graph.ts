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
 * With `thumbnail`, a second input `thumbnail_size` (int64 [2]: height, width) and a second
 * output `thumbnail`: step 1's picture (the short side at the model's size, not yet cropped or
 * rounded) resized again to that size, the same linear filter. The import makes a photo's
 * thumbnail so for a fraction of the cost of shrinking the whole decode in sharp; `resized` is
 * computed by the same nodes either way.
 */
export function resizeModel(width: number, height: number, opts: { thumbnail?: boolean } = {}): Uint8Array {
  const g = new GraphBuilder();
  g.inputs.push(valueInfo('image', 'uint8', ['N', 'H', 'W', 3]));
  const steps = addResizeSteps(g, 'image', width, height);
  g.rename(steps.cropped, 'resized');
  g.output('resized', 'uint8', ['N', height, width, 3]);
  if (opts.thumbnail) {
    g.inputs.push(valueInfo('thumbnail_size', 'int64', [2]));
    let t = g.node('Resize', [steps.covered, '', '', 'thumbnail_size'], 'thumbnail/resized', {
      mode: 'linear',
      antialias: 1,
      axes: [1, 2],
      coordinate_transformation_mode: 'half_pixel',
    });
    t = g.node('Round', [t], 'thumbnail/rounded');
    t = g.node('Clip', [t, g.scalar('thumbnail/lo', 0), g.scalar('thumbnail/hi', 255)], 'thumbnail/clipped');
    g.rename(g.node('Cast', [t], 'thumbnail/u8', { to: 2 }), 'thumbnail');
    g.output('thumbnail', 'uint8', ['N', 'TH', 'TW', 3]);
  }
  const model = g.model('loupe_resize');
  return encodeModel({ ...model, opsetImport: [{ domain: '', version: RESIZE_OPSET }] });
}
