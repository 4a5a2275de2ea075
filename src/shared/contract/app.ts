import { z } from 'zod';
import { procedure } from './define';

export const AppInfo = z.object({
  version: z.string(),
  shell: z.enum(['electron', 'headless']),
  dataDir: z.string(),
  api: z.object({ enabled: z.boolean(), url: z.string().nullable() }),
});
export type AppInfo = z.infer<typeof AppInfo>;

export const ApiSettings = z.object({
  enabled: z.boolean(),
  url: z.string().nullable(),
  token: z.string(),
  allowedOrigins: z.array(z.string()),
  /** Lobe Connect: a second, token-free listener on Lobe's port that serves only `POST /predict/:modelId`. */
  lobeConnect: z.object({ enabled: z.boolean(), url: z.string().nullable(), error: z.string().nullable() }),
});
export type ApiSettings = z.infer<typeof ApiSettings>;

export const appProcedures = {
  'app.info': procedure(z.object({}).strict(), AppInfo),
  'settings.api.get': procedure(z.object({}).strict(), ApiSettings),
  'settings.api.set': procedure(
    z
      .object({ enabled: z.boolean().optional(), allowedOrigins: z.array(z.string().url()).max(50).optional(), lobeConnect: z.boolean().optional() })
      .strict(),
    ApiSettings,
  ),
  'settings.api.regenerateToken': procedure(z.object({}).strict(), ApiSettings),
};
