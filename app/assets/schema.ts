import { z } from 'zod';
import { optionalText, requiredText } from '../http/validate.ts';

export const assetInputSchema = z.strictObject({
  name: requiredText('issue.enterName', 200),
  kind: optionalText(100),
  serialNumber: optionalText(100),
});
/** PATCH: omitted fields stay; null clears an optional field. */
export const assetPatchSchema = z.strictObject({
  name: assetInputSchema.shape.name.optional(),
  kind: assetInputSchema.shape.kind.nullable(),
  serialNumber: assetInputSchema.shape.serialNumber.nullable(),
});

export const assetSchema = z.object({
  assetId: z.uuid(),
  companyId: z.uuid(),
  siteId: z.uuid(),
  name: z.string(),
  kind: z.string().nullable(),
  serialNumber: z.string().nullable(),
  createdAt: z.iso.datetime(),
});
export type Asset = z.infer<typeof assetSchema>;
