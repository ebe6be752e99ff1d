// The trust page and its machine-readable twins, security.txt, the
// responsible-disclosure page, and the breach register (trust.manage).
//
//   /trust                      the figures, for people (no sign-in)
//   /trust.json                 the same figures; exact bytes, ETag = their SHA-256
//   /trust.json.asc[?sha256=…]  detached OpenPGP signature over those bytes
//   /trust/key.asc              the installation's audit signing key (public)
//   /.well-known/security.txt   RFC 9116, cleartext-signed with that key
//   /responsible-disclosure     the policy security.txt names
import type { FeatureDeps } from '../feature.ts';
import { Hono } from 'hono';
import { z } from 'zod';
import { signCleartext } from '../audit/keys.ts';
import { auditFor } from '../audit/record.ts';
import type { AppEnv } from '../http/context.ts';
import { requirePermission } from '../http/guards.ts';
import { notFound } from '../http/errors.ts';
import { renderPage } from '../http/layout.tsx';
import { idParam, issuesOf, readFormFields } from '../http/validate.ts';
import { createTrustFigures } from './figures.ts';
import { createBreach, listBreaches, listPublicBreaches, recordBreachNotification } from './queries.ts';
import { breachInputSchema, breachNotificationSchema, breachSchema, publicBreachSchema } from './schema.ts';
import { disclosurePath, securityTxt, securityTxtPath } from './security-txt.ts';
import { BreachRegister, DisclosureView, TrustView } from './views.tsx';

export function trustRoutes(deps: FeatureDeps): Hono<AppEnv> {
  const { config, db, api, audit } = deps;
  const figures = createTrustFigures(deps);
  const pages = new Hono<AppEnv>();
  const cacheFor = `public, max-age=${config.trust.cacheSeconds}`;

  pages.get('/trust', async (c) => {
    const { report } = await figures.snapshot();
    const canManage = c.get('user')?.permissions.has('trust.manage') ?? false;
    return renderPage(c, c.get('t')('trust.title'), <TrustView c={c} report={report} canManage={canManage} />);
  });

  pages.get('/trust.json', async (c) => {
    const snapshot = await figures.snapshot();
    c.header('Cache-Control', cacheFor);
    c.header('ETag', `"${snapshot.sha256}"`);
    c.header('Link', `</trust.json.asc?sha256=${snapshot.sha256}>; rel="describedby"; type="application/pgp-signature"`);
    return c.body(new Uint8Array(snapshot.json), 200, { 'Content-Type': 'application/json; charset=utf-8' });
  });

  pages.get('/trust.json.asc', async (c) => {
    const wanted = z.string().regex(/^[0-9a-f]{64}$/).optional().safeParse(c.req.query('sha256'));
    if (!wanted.success) throw notFound();
    const snapshot = wanted.data ? await figures.bySha256(wanted.data) : await figures.snapshot();
    // an older snapshot than the last two is gone: fetch /trust.json again
    if (!snapshot) throw notFound();
    c.header('Cache-Control', cacheFor);
    return c.body(snapshot.signature, 200, { 'Content-Type': 'application/pgp-signature' });
  });

  pages.get('/trust/key.asc', (c) => {
    c.header('Cache-Control', 'public, max-age=3600');
    return c.body(audit.keys.publicKeyArmored, 200, { 'Content-Type': 'application/pgp-keys' });
  });

  // Signed once per UTC day (Expires moves by the day), so each answer is the same file all day.
  let signedTxt: { text: string; signed: Promise<string> } | undefined;
  pages.get(securityTxtPath, async (c) => {
    if (config.trust.securityContacts.length === 0) {
      return c.text('No security contact is configured on this installation (KASTELL_SECURITY_CONTACT), so it publishes no security.txt.\n', 404);
    }
    const text = securityTxt(config, new Date());
    if (signedTxt?.text !== text) signedTxt = { text, signed: signCleartext(audit.keys.signingKey, text) };
    c.header('Cache-Control', 'public, max-age=3600');
    return c.body(await signedTxt.signed, 200, { 'Content-Type': 'text/plain; charset=utf-8' });
  });
  // RFC 9116 §3: the legacy top-level location redirects to the well-known one
  pages.get('/security.txt', (c) => c.redirect(securityTxtPath, 301));

  pages.get(disclosurePath, (c) =>
    renderPage(c, c.get('t')('trust.disclosure.title'), <DisclosureView c={c} contacts={config.trust.securityContacts} />));

  // The breach register ------------------------------------------------------
  api.add({
    method: 'get', path: '/trust/breaches', permission: 'public', tag: 'trust',
    summary: 'Notifiable data breaches, as the security officer entered them (public)',
    response: z.array(publicBreachSchema),
    handler: () => db.withPrincipal(null, listPublicBreaches),
  });
  api.add({
    method: 'post', path: '/trust/breaches', permission: 'trust.manage', tag: 'trust', status: 201,
    summary: 'Record a notifiable data breach (shown on the trust page as entered)',
    body: breachInputSchema, response: breachSchema,
    handler: async (c, { body, user }) => {
      const breach = await db.withPrincipal(user, (tx) => createBreach(tx, auditFor(c), body));
      figures.invalidate();
      return breach;
    },
  });
  api.add({
    method: 'patch', path: '/trust/breaches/:breachId', permission: 'trust.manage', tag: 'trust',
    summary: 'Record who was notified of a breach, and when (dates once entered stay)',
    body: breachNotificationSchema, response: breachSchema,
    handler: async (c, { body, user }) => {
      const breach = await db.withPrincipal(user, (tx) => recordBreachNotification(tx, auditFor(c), idParam(c, 'breachId'), body));
      if (!breach) throw notFound();
      figures.invalidate();
      return breach;
    },
  });

  pages.get('/trust/breaches', async (c) => {
    const user = requirePermission(c, 'trust.manage');
    const breaches = await db.withPrincipal(user, listBreaches);
    return renderPage(c, c.get('t')('trust.breaches.manage'), <BreachRegister c={c} breaches={breaches} issues={[]} values={{}} />);
  });

  pages.post('/trust/breaches', async (c) => {
    const user = requirePermission(c, 'trust.manage');
    const fields = await readFormFields(c);
    const parsed = breachInputSchema.safeParse(fields);
    if (!parsed.success) {
      const breaches = await db.withPrincipal(user, listBreaches);
      return renderPage(c, c.get('t')('trust.breaches.manage'),
        <BreachRegister c={c} breaches={breaches} issues={issuesOf(parsed.error, c.get('t'))} values={fields} />, 422);
    }
    await db.withPrincipal(user, (tx) => createBreach(tx, auditFor(c), parsed.data));
    figures.invalidate();
    return c.redirect('/trust/breaches', 303);
  });

  pages.post('/trust/breaches/:breachId', async (c) => {
    const user = requirePermission(c, 'trust.manage');
    const breachId = idParam(c, 'breachId');
    const fields = await readFormFields(c);
    const parsed = breachNotificationSchema.safeParse(fields);
    if (!parsed.success) {
      const breaches = await db.withPrincipal(user, listBreaches);
      return renderPage(c, c.get('t')('trust.breaches.manage'),
        <BreachRegister c={c} breaches={breaches} issues={issuesOf(parsed.error, c.get('t'))} values={{}} />, 422);
    }
    const breach = await db.withPrincipal(user, (tx) => recordBreachNotification(tx, auditFor(c), breachId, parsed.data));
    if (!breach) throw notFound();
    figures.invalidate();
    return c.redirect('/trust/breaches', 303);
  });

  return pages;
}
