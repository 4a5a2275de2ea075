import { z } from 'zod';
import { HttpError, type Blueprint } from '../http/index';
import type { VisionService } from '../services/vision/index';

/** A 50 MiB picture as base64, plus the JSON around it. */
const LOBE_BODY_LIMIT = 70 * 1024 * 1024;

const Base64Picture = z.string().min(1, 'The picture must be base64 text (a data: URL is fine).');

/** Lobe 0.9 and later (lobe-python 0.4–0.6.2): `{"image": "<base64>"}`. */
const LobeRequest = z.object({ image: Base64Picture }).passthrough();
/** Lobe before 0.9 (lobe-python 0.3): `{"inputs": {"Image": "<base64>"}}`. */
const LobeLegacyRequest = z.object({ inputs: z.object({ Image: Base64Picture }).passthrough() }).passthrough();
export const LobeBody = z.union([LobeRequest, LobeLegacyRequest]);

export const LobeAnswer = z.object({
  predictions: z.array(z.object({ label: z.string(), confidence: z.number() })).describe('Every label, best first.'),
});
export const LobeLegacyAnswer = z.object({
  outputs: z.object({
    Labels: z.array(z.tuple([z.string(), z.number()])).describe('[label, confidence] for every label, best first.'),
    Prediction: z.array(z.string()).length(1).describe('The best label.'),
  }),
});

/**
 * A confidence as JSON with a decimal point, always: Python's json reads `1` as an int,
 * and lobe-python 0.3 recognises a `[label, confidence]` pair only when the confidence is
 * a float, so a sure answer (exactly 1) written as `1` made it raise.
 */
function confidence(c: number): string {
  return Number.isInteger(c) ? c.toFixed(1) : JSON.stringify(c);
}

export function lobeAnswerText(labels: ReadonlyArray<{ label: string; confidence: number }>, legacy: boolean): string {
  if (legacy) {
    const pairs = labels.map((l) => `[${JSON.stringify(l.label)},${confidence(l.confidence)}]`).join(',');
    return `{"outputs":{"Labels":[${pairs}],"Prediction":[${JSON.stringify(labels[0]?.label ?? '')}]}}`;
  }
  const items = labels.map((l) => `{"label":${JSON.stringify(l.label)},"confidence":${confidence(l.confidence)}}`).join(',');
  return `{"predictions":[${items}]}`;
}

/**
 * Lobe's local API, so Lobe clients work unmodified: `POST /predict/:modelId` takes both
 * generations' request shapes and answers in the shape it was asked in (every label,
 * best first). Lobe clients post JSON as `text/plain` or with no Content-Type (browser
 * samples, to avoid a CORS preflight), so this route reads those as JSON too. On the main
 * listener it needs the token like every route; Lobe Connect (lobe-connect.ts) serves it
 * without one, on Lobe's own port, for clients that cannot send a header.
 */
export function lobeRoutes(app: Blueprint, vision: VisionService): void {
  app.post(
    '/predict/:modelId',
    {
      summary: 'Lobe-compatible prediction (both Lobe API generations)',
      description:
        'Send `{"image": BASE64}` (Lobe 0.9+) to get `{"predictions": [{"label", "confidence"}, …]}`, or `{"inputs": {"Image": BASE64}}` (before 0.9) to get `{"outputs": {"Labels": [[label, confidence], …], "Prediction": [label]}}`. JSON may come as application/json, text/plain or with no Content-Type.',
      operationId: 'lobePredict',
      tags: ['models'],
      bodyLimit: LOBE_BODY_LIMIT,
      jsonAs: ['text/plain', ''],
      timeoutMs: 120_000,
      schema: {
        params: z.object({ modelId: z.string().min(1).max(64) }),
        body: LobeBody,
        response: { 200: z.union([LobeAnswer, LobeLegacyAnswer]) },
      },
    },
    async (ctx) => {
      const model = vision.models.get(ctx.valid.params.modelId);
      const body = ctx.valid.body;
      const legacy = !('image' in body && typeof body.image === 'string');
      const given = 'image' in body && typeof body.image === 'string' ? body.image : (body as z.infer<typeof LobeLegacyRequest>).inputs.Image;
      // Lobe clients send bare base64 or a data URL.
      const bytes = Buffer.from(given.replace(/^data:[^;,]*;base64,/, ''), 'base64');
      const field = legacy ? 'inputs.Image' : 'image';
      if (bytes.length === 0) throw new HttpError(422, 'validation', `${field} is not base64 picture data.`, { details: { field } });
      const [labels] = await vision.prediction.predict(model.id, [{ name: field, input: bytes }], model.labels.length, ctx.signal);
      ctx.send(lobeAnswerText(labels, legacy), 'application/json; charset=utf-8');
    },
  );
}
