import { z } from 'zod';
import { optionalText, requiredText } from '../http/validate.ts';

export const companyInputSchema = z.strictObject({
  name: requiredText('issue.enterName', 200),
  customerNumber: optionalText(50),
});
/** PATCH: omitted fields stay; null clears an optional field. */
export const companyPatchSchema = z.strictObject({
  name: companyInputSchema.shape.name.optional(),
  customerNumber: companyInputSchema.shape.customerNumber.nullable(),
});

export const companySchema = z.object({
  companyId: z.uuid(),
  name: z.string(),
  customerNumber: z.string().nullable(),
  createdAt: z.iso.datetime(),
});
export type Company = z.infer<typeof companySchema>;
