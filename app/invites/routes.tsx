// Invitations: an owner/admin (or a customer admin, for their company)
// invites someone into a role with a one-time link; the invitee accepts it
// and chooses a password.
import type { FeatureDeps } from '../feature.ts';
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { hashPassword } from '../auth/password.ts';
import { startSession } from '../auth/session.ts';
import { createBotChallenges } from '../auth/bot-challenge.ts';
import { BotChallengeWidget } from '../auth/bot-challenge-widget.tsx';
import { mfaRequired } from '../auth/identity.ts';
import { openChallenge } from '../auth/sign-in.ts';
import { requirePermission } from '../http/guards.ts';
import type { SessionUser } from '../http/context.ts';
import { hashToken, newToken, tokenPattern } from '../crypto/tokens.ts';
import { listCompanies } from '../companies/queries.ts';
import { auditFor } from '../audit/record.ts';
import type { Database, Tx } from '../db/client.ts';
import { httpErrorFromPostgres } from '../db/errors.ts';
import type { AppEnv } from '../http/context.ts';
import { translator, type Translate } from '../i18n/index.ts';
import { forbidden, HttpError, notFound, type Issue } from '../http/errors.ts';
import { CsrfField, Field, FormErrors, renderPage } from '../http/layout.tsx';
import { idParam, issuesOf, readFormFields } from '../http/validate.ts';
import type { Config } from '../config.ts';
import { locales } from '../i18n/index.ts';
import { companyName, createInvite, listOpenInvites, listRoles, organisationName, resendInvite, revokeInvite } from './queries.ts';
import { acceptInviteSchema, createdInviteSchema, inviteFormSchema, inviteInputSchema, inviteSchema, roleSchema, type Invite, type Role } from './schema.ts';

/** Each language by its own name (a language is chosen by those who speak it). */
const languageNames = { en: 'English', de: 'Deutsch', fr: 'Français', it: 'Italiano' } as const;

const english = translator('en');

export function inviteRoutes({ db, api, config, mailer, log }: FeatureDeps): Hono<AppEnv> {
  const pages = new Hono<AppEnv>();
  // past the failure threshold (dead links tried, accounts that exist) acceptance asks for the bot challenge
  const challenges = createBotChallenges({ db, config });

  /** An external auditor's membership length, or null for every other role; refusals in `say`'s words. */
  function membershipDaysFor(role: Role, accessDays: number | undefined, say: Translate): number | null {
    const refuse = (message: string) => new HttpError(422, 'invalid_input', 'Some fields are not valid: see issues.', [{ path: 'accessDays', message }]);
    if (role.roleKey !== 'external_auditor') {
      if (accessDays !== undefined) throw refuse(say('invites.daysOnlyForAuditor'));
      return null;
    }
    const days = accessDays ?? config.auditorDays.default;
    if (days > config.auditorDays.max) throw refuse(say('invites.tooManyDays', { max: String(config.auditorDays.max) }));
    return days;
  }

  /** The invitation e-mail in the invitee's language, with the one-time link. */
  async function mailInvite(tx: Tx, user: SessionUser, invitation: Invite, token: string) {
    const roles = await listRoles(tx);
    const t = translator(invitation.locale);
    const company = await companyName(tx, invitation.companyId);
    const text = t('mail.invite.text', {
      inviter: user.displayName, organisation: await organisationName(tx), role: roles.find((r) => r.roleId === invitation.roleId)?.name ?? '',
      company: company ? ` — ${company}` : '', expires: invitation.expiresAt.slice(0, 16).replace('T', ' '), link: `${config.publicUrl}/invites/accept/${token}`,
    }) + (invitation.membershipDays ? t('mail.invite.auditor', { days: String(invitation.membershipDays) }) : '');
    return { to: [invitation.email], subject: t('mail.invite.subject', { organisation: await organisationName(tx) }), text };
  }

  /** Sends after the commit; the link goes back to the inviter only when it could not be mailed. */
  async function deliver(invitation: Invite, mail: { to: string[]; subject: string; text: string }, token: string) {
    let mailed = false;
    try {
      mailed = await mailer.send(mail);
    } catch (error) {
      log.error({ err: { message: (error as Error).message }, event: 'invite.mail_failed', inviteId: invitation.inviteId }, 'could not send an invitation');
    }
    return mailed ? { ...invitation, mailed } : { ...invitation, mailed, link: `${config.publicUrl}/invites/accept/${token}` };
  }

  /** `say` words the issues: English for the API, the page's language for the form. */
  async function invite(c: Context<AppEnv>, user: SessionUser, input: z.infer<typeof inviteInputSchema>, say: Translate) {
    const { token, hash } = newToken();
    const { created, mail } = await db.withPrincipal(user, async (tx) => {
      const role = (await listRoles(tx)).find((r) => r.roleId === input.roleId);
      if (!role) throw new HttpError(422, 'invalid_input', 'Some fields are not valid: see issues.', [{ path: 'roleId', message: say('invites.unknownRole') }]);
      checkInviteScope(user, role, input.companyId, say);
      const membershipDays = membershipDaysFor(role, input.accessDays, say);
      const { accessDays: _days, locale, ...rest } = input;
      const created = await createInvite(tx, auditFor(c), { ...rest, locale: locale ?? c.get('locale'), membershipDays, invitedBy: user.userId, tokenHash: hash, ttlHours: config.inviteTtlHours });
      return { created, mail: await mailInvite(tx, user, created, token) };
    });
    return deliver(created, mail, token);
  }

  /** A new one-time link for an open invitation, mailed again; undefined when there is no such open invitation. */
  async function resend(c: Context<AppEnv>, user: SessionUser, inviteId: string) {
    const { token, hash } = newToken();
    const done = await db.withPrincipal(user, async (tx) => {
      const invitation = await resendInvite(tx, auditFor(c), inviteId, hash, config.inviteTtlHours);
      return invitation && { invitation, mail: await mailInvite(tx, user, invitation, token) };
    });
    return done && deliver(done.invitation, done.mail, token);
  }

  api.add({
    method: 'get', permission: 'users.invite', path: '/roles', summary: 'Roles you can see (system roles and your company’s custom roles)', tag: 'invites',
    response: z.array(roleSchema),
    handler: (c, { user }) => db.withPrincipal(user, listRoles),
  });
  api.add({
    method: 'get', permission: 'users.invite', path: '/invites', summary: 'Open invitations', tag: 'invites', response: z.array(inviteSchema),
    handler: (c, { user }) => db.withPrincipal(user, listOpenInvites),
  });
  api.add({
    method: 'post', permission: 'users.invite', path: '/invites', summary: 'Invite someone into a role: the one-time link is e-mailed in the chosen language (returned only when it could not be mailed)', tag: 'invites',
    status: 201, body: inviteInputSchema, response: createdInviteSchema,
    handler: (c, { body, user }) => invite(c, user, body, english),
  });
  api.add({
    method: 'post', permission: 'users.invite', path: '/invites/:inviteId/revoke', summary: 'Revoke an open invitation', tag: 'invites', response: inviteSchema,
    handler: async (c, { user }) => {
      return (await db.withPrincipal(user, (tx) => revokeInvite(tx, auditFor(c), idParam(c, 'inviteId')))) ?? Promise.reject(notFound());
    },
  });

  api.add({
    method: 'post', permission: 'users.invite', path: '/invites/:inviteId/resend', summary: 'Send an open invitation again: a new one-time link (the old one stops working) with a fresh expiry', tag: 'invites',
    body: z.strictObject({}), response: createdInviteSchema,
    handler: async (c, { user }) => (await resend(c, user, idParam(c, 'inviteId'))) ?? Promise.reject(notFound()),
  });

  pages.get('/invites', (c) => invitesPage(c, db, config, [], {}));
  pages.post('/invites', async (c) => {
    const user = requirePermission(c, 'users.invite');
    const fields = await readFormFields(c);
    const parsed = inviteFormSchema.safeParse(fields);
    if (!parsed.success) return invitesPage(c, db, config, issuesOf(parsed.error, c.get('t')), fields, undefined, 422);
    try {
      const created = await invite(c, user, parsed.data, c.get('t'));
      return invitesPage(c, db, config, [], {}, { ...created, resent: false }, 201);
    } catch (error) {
      const mapped = error instanceof HttpError ? error : httpErrorFromPostgres(error);
      if (!mapped) throw error;
      const issues = mapped.issues.length ? mapped.issues : [{ path: '(body)', message: mapped.message }];
      return invitesPage(c, db, config, issues, fields, undefined, 422);
    }
  });
  pages.post('/invites/:inviteId/resend', async (c) => {
    const user = requirePermission(c, 'users.invite');
    const sent = await resend(c, user, idParam(c, 'inviteId'));
    if (!sent) throw notFound();
    return invitesPage(c, db, config, [], {}, { ...sent, resent: true });
  });
  pages.post('/invites/:inviteId/revoke', async (c) => {
    const user = requirePermission(c, 'users.invite');
    if (!(await db.withPrincipal(user, (tx) => revokeInvite(tx, auditFor(c), idParam(c, 'inviteId'))))) throw notFound();
    return c.redirect('/invites', 303);
  });

  pages.get('/invites/accept/:token', async (c) => {
    const invitation = await findInvitation(db, c.req.param('token'));
    if (!invitation) {
      await challenges.failed(c, 'invite');
      return invalidInvite(c);
    }
    return acceptPage(c, invitation, [], {}, 200, await challenges.due(c, 'invite', []));
  });
  pages.post('/invites/accept/:token', async (c) => {
    const token = c.req.param('token');
    const fields = await readFormFields(c);
    const invitation = await findInvitation(db, token);
    const t = c.get('t');
    try {
      await challenges.require(c, 'invite', [], fields.altcha || undefined);
    } catch (error) {
      if (!(error instanceof HttpError) || error.status !== 428) throw error;
      const message = t(error.code === 'challenge_failed' ? 'challenge.invalid' : 'challenge.required');
      return invitation ? acceptPage(c, invitation, [{ path: '(body)', message }], fields, 428, true) : invalidInvite(c, 428, message);
    }
    if (!invitation) {
      await challenges.failed(c, 'invite');
      return invalidInvite(c);
    }
    const parsed = acceptInviteSchema.safeParse(fields);
    if (!parsed.success) return acceptPage(c, invitation, issuesOf(parsed.error, t), fields, 422, await challenges.due(c, 'invite', []));
    const passwordHash = await hashPassword(parsed.data.password);
    let next: '/' | '/sign-in/enrol';
    try {
      next = await db.withPrincipal(null, async (tx: Tx) => {
        const [row] = await tx`select app.accept_invite(${hashToken(token)}, ${parsed.data.displayName}, ${passwordHash}) as user_id`;
        const [account] = await tx`select * from app.find_sign_in(${invitation.email})`;
        await c.get('auditor').recordForUser(tx, c, row!.user_id, { action: 'invite.accepted', entityType: 'user', entityId: row!.user_id });
        // the same second-factor rule as sign-in: a role that must have MFA enrols before any session exists
        if (mfaRequired(config, account!.side)) {
          await openChallenge(c, tx, row!.user_id);
          return '/sign-in/enrol' as const;
        }
        await startSession(c, tx, { userId: row!.user_id, roleKey: account!.role_key, side: account!.side });
        return '/' as const;
      });
    } catch (error) {
      const mapped = httpErrorFromPostgres(error);
      if (mapped?.status === 404) {
        await challenges.failed(c, 'invite');
        return invalidInvite(c);
      }
      if (mapped) {
        await challenges.failed(c, 'invite');
        return acceptPage(c, invitation, [{ path: '(body)', message: mapped.status === 409 ? t('accept.accountExists') : mapped.message }], fields, 409, await challenges.due(c, 'invite', []));
      }
      throw error;
    }
    return c.redirect(next, 303);
  });

  return pages;
}

/** Application-level guard (RLS repeats it): who may invite into which role where. */
function checkInviteScope(user: SessionUser, role: Role, companyId: string | undefined, say: Translate): void {
  const scope = user.permissions.get('users.invite');
  if (role.roleKey === 'owner' && !user.permissions.has('roles.manage')) throw forbidden();
  if (role.side === 'customer' && !companyId) {
    throw new HttpError(422, 'invalid_input', 'Some fields are not valid: see issues.', [{ path: 'companyId', message: say('invites.customerRoleNeedsCompany') }]);
  }
  if (role.side !== 'customer' && companyId) {
    throw new HttpError(422, 'invalid_input', 'Some fields are not valid: see issues.', [{ path: 'companyId', message: say('invites.operatorRoleNoCompany') }]);
  }
  if (scope === 'company' && (role.side !== 'customer' || companyId !== user.companyId)) throw forbidden();
}

type Invitation = { email: string; role_name: string; company_name: string | null; expires_at: Date };

async function findInvitation(db: Database, token: string): Promise<Invitation | undefined> {
  if (!tokenPattern.test(token)) return undefined;
  const [row] = await db.withPrincipal(null, (tx) => tx<Invitation[]>`select * from app.invite_for_token(${hashToken(token)})`);
  return row;
}

function invalidInvite(c: Context<AppEnv>, status: 404 | 428 = 404, message?: string) {
  const t = c.get('t');
  return renderPage(c, t('accept.title'), <p class="errors" role="alert">{message ?? t('accept.invalid')}</p>, status);
}

function acceptPage(c: Context<AppEnv>, invitation: Invitation, issues: Issue[], values: Record<string, string | undefined>, status: 200 | 409 | 422 | 428 = 200, challenge = false) {
  const t = c.get('t');
  return renderPage(c, t('accept.title'), (
    <form method="post" novalidate>
      <p>{t('accept.intro', { role: invitation.role_name, company: invitation.company_name ? ` — ${invitation.company_name}` : '' })}</p>
      <FormErrors issues={issues} t={t} labels={{ displayName: t('setup.name'), password: t('signIn.password') }} />
      <CsrfField token={c.get('csrfToken')} />
      <p class="field">
        <label for="invite-email">{t('signIn.email')}</label>
        {/* no name: shown (and offered to password managers), never submitted */}
        <input id="invite-email" type="email" value={invitation.email} autocomplete="username" readonly />
      </p>
      <Field name="displayName" label={t('setup.name')} value={values.displayName} required autocomplete="name" maxlength={200} />
      <Field name="password" label={t('signIn.password')} type="password" required autocomplete="new-password" minlength={12} hint={t('password.hint')} />
      {challenge ? <BotChallengeWidget c={c} endpoint="invite" /> : null}
      <button type="submit">{t('accept.submit')}</button>
    </form>
  ), status);
}

async function invitesPage(c: Context<AppEnv>, db: Database, config: Config, issues: Issue[], values: Record<string, string | undefined>,
  created?: { email: string; expiresAt: string; mailed: boolean; link?: string | undefined; resent: boolean }, status: 200 | 201 | 422 = 200) {
  const user = requirePermission(c, 'users.invite');
  const t = c.get('t');
  const [roles, companies, open] = await db.withPrincipal(user, async (tx) => [await listRoles(tx), await listCompanies(tx), await listOpenInvites(tx)] as const);
  const companyScoped = user.permissions.get('users.invite') === 'company';
  const offered = roles.filter((r) => (companyScoped ? r.side === 'customer' : r.roleKey !== 'owner' || user.permissions.has('roles.manage')));
  return renderPage(c, t('invites.title'), (
    <>
      {created ? (
        <div class="notice" role="status">
          {created.mailed
            ? <p>{t(created.resent ? 'invites.resent' : 'invites.mailed', { email: created.email, expires: created.expiresAt.slice(0, 16).replace('T', ' ') })}</p>
            : <>
              <p>{t('invites.created', { email: created.email, expires: created.expiresAt.slice(0, 16).replace('T', ' ') })}</p>
              <p><code id="invite-link">{created.link}</code></p>
            </>}
        </div>
      ) : null}
      <form method="post" action="/invites" novalidate>
        <FormErrors issues={issues} t={t} labels={{ email: t('invites.email'), roleId: t('invites.role'), companyId: t('invites.company'), locale: t('invites.language'), accessDays: t('invites.accessDays') }} />
        <CsrfField token={c.get('csrfToken')} />
        <Field name="email" label={t('invites.email')} type="email" value={values.email} required />
        <p class="field">
          <label for="field-roleId">{t('invites.role')}</label>
          <select id="field-roleId" name="roleId" required>
            {offered.map((r) => <option value={r.roleId} selected={values.roleId === r.roleId}>{r.name}</option>)}
          </select>
        </p>
        <p class="field">
          <label for="field-companyId">{t('invites.company')}</label>
          <select id="field-companyId" name="companyId">
            {companyScoped ? null : <option value="">{t('invites.noCompany')}</option>}
            {companies.map((co) => <option value={co.companyId} selected={values.companyId === co.companyId}>{co.name}</option>)}
          </select>
        </p>
        <p class="field">
          <label for="field-locale">{t('invites.language')}</label>
          <select id="field-locale" name="locale">
            {locales.map((l) => <option value={l} selected={(values.locale ?? c.get('locale')) === l}>{languageNames[l]}</option>)}
          </select>
        </p>
        <Field name="accessDays" label={t('invites.accessDays')} value={values.accessDays} maxlength={2}
          hint={t('invites.accessDaysHint', { days: String(config.auditorDays.default), max: String(config.auditorDays.max) })} />
        <button type="submit">{t('invites.create')}</button>
      </form>
      <h2>{t('invites.pending')}</h2>
      <table>
        <thead><tr><th>{t('invites.email')}</th><th>{t('invites.role')}</th><th>{t('invites.language')}</th><th>{t('invites.sent')}</th><th>{t('invites.expires')}</th><th></th></tr></thead>
        <tbody>
          {open.map((i) => (
            <tr>
              <td>{i.email}</td>
              <td>{roles.find((r) => r.roleId === i.roleId)?.name ?? ''}</td>
              <td>{languageNames[i.locale]}</td>
              <td>{i.sentCount}</td>
              <td>{i.expiresAt.slice(0, 16).replace('T', ' ')}</td>
              <td>
                <form method="post" action={`/invites/${i.inviteId}/resend`} class="inline">
                  <CsrfField token={c.get('csrfToken')} />
                  <button type="submit">{t('invites.resend')}</button>
                </form>{' '}
                <form method="post" action={`/invites/${i.inviteId}/revoke`} class="inline">
                  <CsrfField token={c.get('csrfToken')} />
                  <button type="submit">{t('invites.revoke')}</button>
                </form>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  ), status);
}
