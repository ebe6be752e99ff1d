// Privacy: a person downloads everything Kastell holds about them
// (GET /me/export: a ZIP of data.json and their files; the same JSON at
// GET /api/v1/me/export); an admin produces it for them
// (GET /users/:userId/export, GET /api/v1/users/:userId/export); an admin
// deletes a person (POST /api/v1/users/:userId/erase: the class-based scrub,
// sql/0020 app.erase_person). Every one is audited.
import { randomBytes } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import type { Context } from 'hono';
import { Hono } from 'hono';
import { z } from 'zod';
import type { AuditActor } from '../db/audit-event.ts';
import type { FeatureDeps } from '../feature.ts';
import type { AppEnv, SessionUser } from '../http/context.ts';
import { notFound } from '../http/errors.ts';
import { requireSudo, requireUser } from '../http/guards.ts';
import { idParam } from '../http/validate.ts';
import { collectPersonData, writePersonArchive, type CollectedPersonData } from './subject-export.ts';

const rowSchema = z.record(z.string(), z.unknown());
export const personExportSchema = z.object({
  format: z.literal('kastell-person-export/1'),
  subject: z.object({ userId: z.uuid() }),
  generatedAt: z.string(),
  tables: z.record(z.string(), z.array(rowSchema)),
  auditEvents: z.array(rowSchema),
  files: z.array(z.object({ path: z.string(), size: z.number().nullable(), source: z.string() })),
});
const erasedSchema = z.object({ userId: z.uuid(), pseudonym: z.string(), removed: z.record(z.string(), z.number()) });

function requestActor(c: Context<AppEnv>, user: SessionUser): AuditActor {
  return { type: 'user', id: user.userId, ip: c.get('clientIp'), userAgent: c.req.header('user-agent') ?? null, requestId: c.get('requestId') };
}

export function privacyRoutes({ db, store, config, api }: FeatureDeps): Hono<AppEnv> {
  const pages = new Hono<AppEnv>();

  const collect = async (c: Context<AppEnv>, user: SessionUser, userId: string): Promise<CollectedPersonData> => {
    const collected = await collectPersonData(db, c.get('auditor'), { userId: user.userId }, requestActor(c, user), userId);
    if (!collected) throw notFound();
    return collected;
  };

  const download = async (c: Context<AppEnv>, userId: string) => {
    const collected = await collect(c, requireUser(c), userId);
    const out = new PassThrough();
    writePersonArchive(store, collected, out).catch((error: Error) => out.destroy(error));
    c.header('Content-Type', 'application/zip');
    c.header('Content-Disposition', `attachment; filename="kastell-data-${userId}.zip"`);
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Content-Security-Policy', "sandbox; default-src 'none'");
    c.header('Cache-Control', 'private, no-store');
    return c.body(Readable.toWeb(out) as ReadableStream);
  };

  pages.get('/me/export', (c) => download(c, requireUser(c).userId));
  pages.get('/users/:userId/export', (c) => download(c, idParam(c, 'userId')));

  api.add({
    method: 'get', permission: 'signed-in',
    path: '/me/export',
    summary: 'Everything Kastell holds about the signed-in user (GDPR Art. 15/20); the files come with the ZIP at /me/export',
    tag: 'privacy',
    response: personExportSchema,
    handler: async (c, { user }) => (await collect(c, user, user.userId)).data,
  });

  api.add({
    method: 'get', permission: 'users.update',
    path: '/users/:userId/export',
    summary: 'Everything Kastell holds about a person, for their access request (operators with global users.update)',
    tag: 'privacy',
    response: personExportSchema,
    handler: async (c, { user }) => (await collect(c, user, idParam(c, 'userId'))).data,
  });

  api.add({
    method: 'post', permission: 'users.disable',
    path: '/users/:userId/erase',
    summary: 'Delete a person: contact data and sign-in removed, the name in kept records replaced by a pseudonym (sudo mode)',
    tag: 'privacy',
    body: z.strictObject({}),
    response: erasedSchema,
    handler: async (c) => {
      const user = requireSudo(c, config);
      const userId = idParam(c, 'userId');
      const pseudonym = `Person ${randomBytes(4).toString('hex')}`;
      const removed = await db.withPrincipal({ userId: user.userId }, async (tx) => {
        const [row] = await tx<{ counts: Record<string, number> }[]>`select app.erase_person(${userId}, ${pseudonym}) as counts`;
        await c.get('auditor').record(tx, c, { action: 'person.erased', entityType: 'user', entityId: userId, detail: { pseudonym, ...row!.counts } });
        return row!.counts;
      });
      return { userId, pseudonym, removed };
    },
  });

  return pages;
}
