import { z } from 'zod';
import { optionalText, requiredText } from '../http/validate.ts';


export const companyInputSchema = z.strictObject({
  name: requiredText('enter a name', 200),
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
