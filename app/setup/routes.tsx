// The first-run page behind the set-up link.
import type { FeatureDeps } from '../feature.ts';
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { hashPassword, passwordSchema } from '../auth/password.ts';
import { openChallenge } from '../auth/sign-in.ts';
import { hashToken, tokenPattern } from '../crypto/tokens.ts';
import { assumePrincipal } from '../db/client.ts';
import { httpErrorFromPostgres } from '../db/errors.ts';
import type { AppEnv } from '../http/context.ts';
import type { Issue } from '../http/errors.ts';
import { CsrfField, Field, FormErrors, renderPage } from '../http/layout.tsx';
import { emailAddress } from '../http/text-schema.ts';
import { issuesOf, readFormFields, requiredText } from '../http/validate.ts';

export const setupSchema = z.strictObject({
  organisation: requiredText('issue.enterOrganisation', 200),
  displayName: requiredText('issue.enterYourName', 200),
  email: emailAddress('issue.enterEmail'),
  password: passwordSchema,
});

export function setupRoutes({ db }: FeatureDeps): Hono<AppEnv> {
  const pages = new Hono<AppEnv>();

  pages.get('/setup/:token', async (c) => {
    const hash = tokenHashFrom(c.req.param('token'));
    const [row] = hash
      ? await db.withPrincipal(null, (tx) => tx`select app.setup_token_valid(${hash}) as valid`)
      : [{ valid: false }];
    if (!row!.valid) return invalidLink(c);
    return setupPage(c, [], {});
  });

  pages.post('/setup/:token', async (c) => {
    const hash = tokenHashFrom(c.req.param('token'));
    if (!hash) return invalidLink(c);
    const fields = await readFormFields(c);
    const parsed = setupSchema.safeParse(fields);
    if (!parsed.success) return setupPage(c, issuesOf(parsed.error, c.get('t')), fields, 422);
    const input = parsed.data;
    const passwordHash = await hashPassword(input.password);
    try {
      await db.withPrincipal(null, async (tx) => {
        const [row] = await tx`select app.claim_setup_token(${hash}, ${input.email}, ${input.displayName}, ${passwordHash}) as user_id`;
        const userId = row!.user_id as string;
        await assumePrincipal(tx, { userId });
        await tx`update organisation set name = ${input.organisation}`;
        await c.get('auditor').recordForUser(tx, c, userId, { action: 'owner.created', entityType: 'user', entityId: userId });
        await c.get('auditor').recordForUser(tx, c, userId, { action: 'organisation.updated', entityType: 'organisation', detail: { fields: 'name' } });
        // No session yet: operator roles need a second factor, so the owner
        // enrols one first (the sign-in flow's rule); /sign-in/enrol starts the session.
        await openChallenge(c, tx, userId);
      });
    } catch (error) {
      const mapped = httpErrorFromPostgres(error);
      if (mapped?.status === 404) return invalidLink(c);
      if (mapped) return setupPage(c, [{ path: '(body)', message: mapped.message }], fields, mapped.status as 409);
      throw error;
    }
    return c.redirect('/sign-in/enrol', 303);
  });

  return pages;
}

function tokenHashFrom(token: string): Buffer | null {
  return tokenPattern.test(token) ? hashToken(token) : null;
}

function invalidLink(c: Context<AppEnv>) {
  const t = c.get('t');
  return renderPage(c, t('setup.title'), <p class="errors" role="alert">{t('setup.invalid')}</p>, 404);
}

function setupPage(c: Context<AppEnv>, issues: Issue[], values: Record<string, string | undefined>, status: 200 | 409 | 422 = 200) {
  const t = c.get('t');
  return renderPage(
    c,
    t('setup.title'),
    <form method="post" novalidate>
      <p>{t('setup.intro')}</p>
      <FormErrors issues={issues} t={t} labels={{ organisation: t('setup.organisation'), displayName: t('setup.name'), email: t('signIn.email'), password: t('signIn.password') }} />
      <CsrfField token={c.get('csrfToken')} />
      <Field name="organisation" label={t('setup.organisation')} value={values.organisation} required maxlength={200} />
      <Field name="displayName" label={t('setup.name')} value={values.displayName} required autocomplete="name" maxlength={200} />
      <Field name="email" label={t('signIn.email')} type="email" value={values.email} required autocomplete="email" />
      <Field name="password" label={t('signIn.password')} type="password" required autocomplete="new-password"
        minlength={12} hint={t('password.hint')} />
      <button type="submit">{t('setup.submit')}</button>
    </form>,
    status,
  );
}
