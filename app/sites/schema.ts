import { z } from 'zod';

const optionalText = (max: number) => z.string().trim().min(1).max(max, `must be at most ${max} characters`).optional();

export const siteInputSchema = z.strictObject({
  name: z.string().trim().min(1, 'enter a name').max(200, 'must be at most 200 characters'),
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
