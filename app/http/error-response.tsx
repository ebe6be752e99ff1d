// The one place errors become responses: one JSON shape for the API, one
// page for HTML; PostgreSQL codes are mapped in app/db/errors.ts.
import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import type { Logger } from 'pino';
import { KeyUnavailableError } from '../crypto/keyring.ts';
import { httpErrorFromPostgres } from '../db/errors.ts';
import type { AppEnv } from './context.ts';
import { errorBody, HttpError } from './errors.ts';
import { renderPage } from './layout.tsx';
import { isMessageKey } from '../i18n/index.ts';

export const answerNotFound: NotFoundHandler<AppEnv> = (c) =>
  respondWithError(c, new HttpError(404, 'not_found', 'Nothing here: the address is wrong or you may not see it.'));

export function answerError(log: Logger): ErrorHandler<AppEnv> {
  return (error, c) => {
    // a crypto-shredded company's encrypted values: gone by the owner's decision, not a fault (test/fuzz found them answering 500)
    const known = error instanceof HttpError ? error : error instanceof KeyUnavailableError ? shredded() : httpErrorFromPostgres(error);
    if (known) return respondWithError(c, known);
    (c.get('log') ?? log).error({ err: error }, 'unhandled error');
    return respondWithError(c, new HttpError(500, 'internal', 'Something went wrong on our side. Quote the reference when you report it.'));
  };
}

/**
 * A value (field or object) sealed under a data key the key store no longer
 * holds: the company was crypto-shredded (README "Keys and encryption").
 * 410 Gone, not a 500: nothing went wrong, the data was destroyed on purpose.
 */
const shredded = () => new HttpError(410, 'company_shredded', 'This company\'s data was destroyed (crypto-shredded): it can no longer be read by anyone.');

function wantsJson(c: Context<AppEnv>): boolean {
  return c.req.path.startsWith('/api/') || c.req.path === '/healthz' || c.req.path === '/readyz';
}

function respondWithError(c: Context<AppEnv>, error: HttpError) {
  for (const [name, value] of Object.entries(error.headers)) c.header(name, value);
  const requestId = c.get('requestId') ?? '';
  if (wantsJson(c)) return c.json(errorBody(error, requestId), error.status as 400);
  if (error.status === 401) return c.redirect('/sign-in', 303);
  const t = c.get('t');
  if (!t || !c.get('csrfToken')) return c.text(error.message, error.status as 400);
  const said = `error.code.${error.code}`; // in the page's language when the catalogue has it
  return renderPage(c, t('error.title'), (
    <>
      <p role="alert">{isMessageKey(said) ? t(said, error.values) : error.message}</p>
      {error.issues.length ? <ul>{error.issues.map((i) => <li>{i.path}: {i.message}</li>)}</ul> : null}
      <p><a href="/">{t('error.back')}</a></p>
      <p><small>{t('error.requestId')}: {requestId}</small></p>
    </>
  ), error.status as 400);
}
