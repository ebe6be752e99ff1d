import { z } from 'zod';
import { optionalText, requiredText } from '../http/validate.ts';


export const siteInputSchema = z.strictObject({
  name: requiredText('enter a name', 200),
  street: optionalText(200),
  postalCode: optionalText(20),
  city: optionalText(100),
  country: z.string().trim().toUpperCase().regex(/^[A-Z]{2}$/, 'use the two-letter country code, e.g. CH').optional(),
});
export const sitePatchSchema = siteInputSchema.partial();

export const siteSchema = z.object({
  siteId: z.uuid(),
  companyId: z.uuid(),
  name: z.string(),
  street: z.string().nullable(),
  postalCode: z.string().nullable(),
  city: z.string().nullable(),
  country: z.string().nullable(),
  createdAt: z.iso.datetime(),
});
export type Site = z.infer<typeof siteSchema>;
