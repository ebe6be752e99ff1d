// JSON API routes under /api/v1, declared once: the same zod schemas
// validate the input, shape the output (unknown keys are stripped, so rows
// never go out as they are) and generate the OpenAPI document; the
// permission a route names is checked here before its handler runs, shown
// in the OpenAPI document, and read by the isolation tests.
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv, SessionUser } from './context.ts';
import { errorBody } from './errors.ts';
import { requirePermission, requireUser } from './guards.ts';
import type { PermissionKey } from './permissions.ts';
import { idempotencyKeyPattern, parseIdempotencyKey, type IdempotencyStore } from './idempotency.ts';
import { parseOrThrow, readJson } from './validate.ts';

type Method = 'get' | 'post' | 'patch' | 'put' | 'delete';

/**
 * Who may call a route: holders of a permission key (application-level check
 * on top of RLS), any signed-in user (their own things: /me…), or anyone
 * (sign-in and other routes that run before a session exists).
 */
export type RouteAccess = PermissionKey | 'signed-in' | 'public';

export interface ApiRoute<A extends RouteAccess, B extends z.ZodType | undefined, Q extends z.ZodType | undefined, R extends z.ZodType> {
  method: Method;
  /** Hono path below /api/v1, e.g. /companies/:companyId */
  path: string;
  summary: string;
  tag: string;
  permission: A;
  /**
   * 'callers-company': the route acts only on the caller's own company (the
   * session's, never one the request names), so nothing of another company
   * can be reached through it (the isolation tests read this).
   */
  actsOn?: 'callers-company';
  body?: B;
  query?: Q;
  response: R;
  status?: 200 | 201;
  handler: (
    c: Context<AppEnv>,
    input: {
      body: B extends z.ZodType ? z.infer<B> : undefined;
      query: Q extends z.ZodType ? z.infer<Q> : undefined;
      user: A extends 'public' ? SessionUser | null : SessionUser;
    },
  ) => Promise<z.input<R>>;
}

export interface RecordedRoute {
  method: Method;
  path: string;
  summary: string;
  tag: string;
  permission: RouteAccess;
  actsOn?: 'callers-company' | undefined;
  body?: z.ZodType | undefined;
  query?: z.ZodType | undefined;
  response: z.ZodType;
  status: number;
}

export class ApiRegistry {
  readonly routes: RecordedRoute[] = [];

  constructor(readonly router: Hono<AppEnv>, private readonly idempotency: IdempotencyStore) {}

  add<A extends RouteAccess, B extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined, R extends z.ZodType = z.ZodType>(
    route: ApiRoute<A, B, Q, R>,
  ): void {
    const status = route.status ?? 200;
    this.routes.push({
      method: route.method,
      path: route.path,
      summary: route.summary,
      tag: route.tag,
      permission: route.permission,
      actsOn: route.actsOn,
      body: route.body,
      query: route.query,
      response: route.response,
      status,
    });
    this.router.on(route.method.toUpperCase(), route.path, async (c) => {
      const user = route.permission === 'public' ? c.get('user')
        : route.permission === 'signed-in' ? requireUser(c)
        : requirePermission(c, route.permission);
      const body = route.body ? await readJson(c, route.body) : undefined;
      const query = route.query ? parseOrThrow(route.query, c.req.query()) : undefined;
      const respond = async () => route.response.parse(await route.handler(c, { body, query, user } as Parameters<typeof route.handler>[1]));
      const key = c.req.header('idempotency-key');
      if (status === 201 && key !== undefined && user) {
        const request = `${route.method} ${c.req.path}\n${JSON.stringify(body ?? null)}`;
        const answer = await this.idempotency.run(user, parseIdempotencyKey(key), request, async () => ({ status, body: await respond() }));
        if (answer.replayed) c.header('Idempotency-Replayed', 'true');
        return c.json(answer.body, answer.status as 201);
      }
      return c.json(await respond(), status);
    });
  }

  openApiDocument(info: { title: string; version: string }): object {
    const paths: Record<string, Record<string, object>> = {};
    const errorSchema = z.toJSONSchema(
      z.object({
        error: z.object({
          code: z.string(),
          message: z.string(),
          requestId: z.string(),
          issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
        }),
      }),
    );
    for (const route of this.routes) {
      const openApiPath = `/api/v1${route.path.replace(/:(\w+)/g, '{$1}')}`;
      const parameters = [
        ...[...route.path.matchAll(/:(\w+)/g)].map((m) => ({
          name: m[1],
          in: 'path',
          required: true,
          schema: { type: 'string', format: 'uuid' },
        })),
        ...(route.query ? queryParameters(route.query) : []),
        ...(route.status === 201 ? [idempotencyKeyParameter] : []),
      ];
      (paths[openApiPath] ??= {})[route.method] = {
        summary: route.summary,
        tags: [route.tag],
        description: describeAccess(route.permission),
        'x-kastell-permission': route.permission,
        ...(route.actsOn ? { 'x-kastell-acts-on': route.actsOn } : {}),
        ...(route.permission === 'public' ? { security: [] } : { security: [{ session: [] }] }),
        ...(parameters.length ? { parameters } : {}),
        ...(route.body
          ? { requestBody: { required: true, content: { 'application/json': { schema: z.toJSONSchema(route.body, { io: 'input' }) } } } }
          : {}),
        responses: {
          [route.status]: { description: 'Success', content: { 'application/json': { schema: z.toJSONSchema(route.response) } } },
          ...(route.status === 201 ? {
            409: { description: 'Conflict (see error.code): a unique value is taken; the first request with this Idempotency-Key is still running (idempotency_key_in_progress: retry after Retry-After); or it ran and its kept answer can no longer be read (idempotency_answer_unreadable: do not retry with this key, check whether the record exists)', content: { 'application/json': { schema: errorSchema } } },
            422: { description: 'Invalid input, or the Idempotency-Key was used for a different request', content: { 'application/json': { schema: errorSchema } } },
          } : {}),
          default: { description: 'Error', content: { 'application/json': { schema: errorSchema } } },
        },
      };
    }
    return {
      openapi: '3.1.0',
      info,
      servers: [{ url: '/' }],
      components: {
        securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: '__Host-kastell-session' } },
      },
      paths,
    };
  }
}

function describeAccess(access: RouteAccess): string {
  if (access === 'public') return 'Open to anyone: no session needed.';
  if (access === 'signed-in') return 'Any signed-in user, for their own things.';
  return `Needs the permission \`${access}\` (in the scope of your role; row-level security decides which rows).`;
}

const idempotencyKeyParameter = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description: 'Retry-safe creation: a retry with the same key and request within 24 hours gets the first answer again (header Idempotency-Replayed: true) instead of creating twice.',
  schema: { type: 'string', pattern: idempotencyKeyPattern.source },
};

function queryParameters(schema: z.ZodType): object[] {
  const json = z.toJSONSchema(schema, { io: 'input' }) as { properties?: Record<string, object>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: 'query',
    required: json.required?.includes(name) ?? false,
    schema: property,
  }));
}

export { errorBody };
