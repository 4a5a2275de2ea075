import { z } from 'zod';
import { HttpError, type App } from '../http/index';
import type { VisionService } from '../services/vision/index';

/** A 50 MiB picture as base64, plus the JSON around it. */
const LOBE_BODY_LIMIT = 70 * 1024 * 1024;

const LobeBody = z.object({
  inputs: z.object({ Image: z.string().min(1, 'inputs.Image must hold the picture as base64.') }).passthrough(),
});

/**
 * Lobe's local API, so existing Lobe clients keep working: `POST /predict/:modelId` with
 * `{"inputs":{"Image":"<base64>"}}` answers `{"outputs":{"Labels":[[label, confidence], …],
 * "Prediction":[label]}}`, every label best first. Like every route but health it needs
 * the bearer token (Lobe's own app had none; clients add one header).
 */
export function lobeRoutes(app: App, vision: VisionService): void {
  app.post('/predict/:modelId', { summary: 'Lobe-compatible prediction', tags: ['models'], bodyLimit: LOBE_BODY_LIMIT, timeoutMs: 120_000 }, async (ctx) => {
    const model = vision.models.get(ctx.params.modelId);
    const body = await ctx.json(LobeBody, LOBE_BODY_LIMIT);
    // Lobe clients send either bare base64 or a data URL.
    const b64 = body.inputs.Image.replace(/^data:[^;,]*;base64,/, '');
    const bytes = Buffer.from(b64, 'base64');
    if (bytes.length === 0) throw new HttpError(400, 'bad_request', 'inputs.Image is not base64 picture data.');
    const [labels] = await vision.prediction.predict(model.id, [{ name: 'inputs.Image', input: bytes }], model.labels.length, ctx.signal);
    return { outputs: { Labels: labels.map((l) => [l.label, l.confidence]), Prediction: [labels[0].label] } };
  });
}
