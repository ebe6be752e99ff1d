import { z } from 'zod';

const optionalText = (max: number) => z.string().trim().min(1).max(max).optional();

export const companyInputSchema = z.strictObject({
  name: z.string().trim().min(1, 'enter a name').max(200, 'must be at most 200 characters'),
  customerNumber: optionalText(50),
});
export const companyPatchSchema = companyInputSchema.partial();

export const companySchema = z.object({
  companyId: z.uuid(),
  name: z.string(),
  customerNumber: z.string().nullable(),
  createdAt: z.iso.datetime(),
});
export type Company = z.infer<typeof companySchema>;
