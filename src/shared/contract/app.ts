import { z } from 'zod';
import { procedure } from './define';

/** Whether the backbone is installed: every page shows a banner with `fix` when it is missing. */
export const BackboneStatus = z.object({
  state: z.enum(['ready', 'loading', 'missing']),
  id: z.string().nullable(),
  message: z.string().nullable(),
  /** The one command that fixes a missing backbone. */
  fix: z.string().nullable(),
  /** Which build of the default backbone embeds: int8 where its accuracy check held, else float. */
  variant: z.enum(['float', 'int8']).nullable().optional(),
  /** Why float embeds although int8 is the default (not built, or failed its accuracy check). */
  note: z.string().nullable().optional(),
});
export type BackboneStatus = z.infer<typeof BackboneStatus>;

export const AppInfo = z.object({
  version: z.string(),
  shell: z.enum(['electron', 'headless']),
  dataDir: z.string(),
  api: z.object({ enabled: z.boolean(), url: z.string().nullable() }),
  backbone: BackboneStatus,
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
    z.object({ enabled: z.boolean().optional(), allowedOrigins: z.array(z.string().url()).max(50).optional(), lobeConnect: z.boolean().optional() }).strict(),
    ApiSettings,
  ),
  'settings.api.regenerateToken': procedure(z.object({}).strict(), ApiSettings),
};
