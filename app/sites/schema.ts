import { z } from 'zod';
import { text } from '../http/text-schema.ts';
import { optionalText, requiredText } from '../http/validate.ts';

export const siteInputSchema = z.strictObject({
  name: requiredText('issue.enterName', 200),
  street: optionalText(200),
  postalCode: optionalText(20),
  city: optionalText(100),
  country: text().trim().toUpperCase().regex(/^[A-Z]{2}$/, 'issue.countryCode').optional(),
});
/** PATCH: omitted fields stay; null clears an optional field. */
export const sitePatchSchema = z.strictObject({
  name: siteInputSchema.shape.name.optional(),
  street: siteInputSchema.shape.street.nullable(),
  postalCode: siteInputSchema.shape.postalCode.nullable(),
  city: siteInputSchema.shape.city.nullable(),
  country: siteInputSchema.shape.country.nullable(),
});

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
