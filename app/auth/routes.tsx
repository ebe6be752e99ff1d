// Sign-in and sign-out: pages and their JSON API equivalents.
import { Hono } from 'hono';
import { z } from 'zod';
import type { Database } from '../db/client.ts';
import type { ApiRegistry } from '../http/api.ts';
import type { AppEnv } from '../http/context.ts';
import { HttpError, type Issue } from '../http/errors.ts';
import { CsrfField, Field, FormErrors, renderPage } from '../http/layout.tsx';
import { issuesOf, readFormFields } from '../http/validate.ts';
import { endSession, requireUser } from './session.ts';
import { signIn, signInSchema } from './sign-in.ts';

export const meSchema = z.object({
  userId: z.uuid(),
  email: z.string(),
  displayName: z.string(),
  role: z.string().nullable(),
  side: z.enum(['operator', 'customer', 'guest']),
  companyId: z.uuid().nullable(),
  permissions: z.array(z.string()),
});

export function authRoutes(db: Database, api: ApiRegistry): Hono<AppEnv> {
  const pages = new Hono<AppEnv>();

  pages.get('/sign-in', (c) => signInPage(c, [], undefined));

  pages.post('/sign-in', async (c) => {
    const fields = await readFormFields(c);
    const parsed = signInSchema.safeParse(fields);
    if (!parsed.success) return signInPage(c, issuesOf(parsed.error), fields.email, 422);
    if (!(await signIn(c, db, parsed.data))) {
      return signInPage(c, [{ path: '(body)', message: c.get('t')('signIn.failed') }], fields.email, 401);
    }
    return c.redirect('/', 303);
  });

  pages.post('/sign-out', async (c) => {
    await endSession(c, db);
    return c.redirect('/sign-in', 303);
  });

  api.add({
    method: 'post',
    path: '/auth/sign-in',
    summary: 'Sign in with e-mail and password; sets the session cookie',
    tag: 'auth',
    auth: false,
    body: signInSchema,
    response: z.object({ signedIn: z.literal(true) }),
    handler: async (c, { body }) => {
      if (!(await signIn(c, db, body))) {
        throw new HttpError(401, 'sign_in_failed', 'The e-mail address or password is not correct.');
      }
      return { signedIn: true as const };
    },
  });

  api.add({
    method: 'post',
    path: '/auth/sign-out',
    summary: 'End the current session',
    tag: 'auth',
    response: z.object({ signedOut: z.literal(true) }),
    handler: async (c) => {
      await endSession(c, db);
      return { signedOut: true as const };
    },
  });

  api.add({
    method: 'get',
    path: '/me',
    summary: 'The signed-in user, their role and permissions',
    tag: 'auth',
    response: meSchema,
    handler: async (c) => {
      const user = requireUser(c);
      return {
        userId: user.userId,
        email: user.email,
        displayName: user.displayName,
        role: user.roleKey,
        side: user.side,
        companyId: user.companyId,
        permissions: [...user.permissions.keys()].sort(),
      };
    },
  });

  return pages;
}

function signInPage(c: Parameters<typeof renderPage>[0], issues: Issue[], email: string | undefined, status: 200 | 401 | 422 = 200) {
  const t = c.get('t');
  return renderPage(
    c,
    t('signIn.title'),
    <form method="post" action="/sign-in" novalidate>
      <FormErrors issues={issues} title={t('form.errors')} />
      <CsrfField token={c.get('csrfToken')} />
      <Field name="email" label={t('signIn.email')} type="email" value={email} required autocomplete="username" />
      <Field name="password" label={t('signIn.password')} type="password" required autocomplete="current-password" />
      <button type="submit">{t('signIn.submit')}</button>
    </form>,
    status,
  );
}
