import { z } from 'zod';
import { procedure } from './define';

/**
 * Unsaved work the UI keeps for the person (the Scripts page's editor): stored in the
 * app's database, not the page, so a draft survives navigation, a reload, a restart and
 * a `loupe serve` on another port (another browser origin).
 */
export const DraftKey = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[a-z0-9:._-]+$/, 'A draft key uses lower-case letters, digits and : . _ - only.');

export const draftProcedures = {
  'drafts.get': procedure(z.object({ key: DraftKey }).strict(), z.object({ value: z.string().nullable() })),
  /** null forgets the draft (saved, or discarded). */
  'drafts.set': procedure(z.object({ key: DraftKey, value: z.string().max(1_000_000).nullable() }).strict(), z.object({ ok: z.literal(true) })),
};
