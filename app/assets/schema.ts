import { z } from 'zod';

const optionalText = (max: number) => z.string().trim().min(1).max(max, `must be at most ${max} characters`).optional();

export const assetInputSchema = z.strictObject({
  name: z.string().trim().min(1, 'enter a name').max(200, 'must be at most 200 characters'),
  kind: optionalText(100),
  serialNumber: optionalText(100),
});
export const assetPatchSchema = assetInputSchema.partial();

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
