// The page language: chosen per request (cookie, then Accept-Language) and
// switched by the footer's form.
import { getCookie, setCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import { z } from 'zod';
import { isLocale, localeCookie, negotiateLocale, translator } from '../i18n/index.ts';
import type { AppEnv } from './context.ts';
import { HttpError } from './errors.ts';
import { readFormFields } from './validate.ts';

export const localeMiddleware = createMiddleware<AppEnv>(async (c, next) => {
  const locale = negotiateLocale(getCookie(c, localeCookie), c.req.header('accept-language'));
  c.set('locale', locale);
  c.set('t', translator(locale));
  await next();
});

/** POST /locale: remembers the choice for a year and goes back to the page it came from. */
export function switchLocale(publicOrigin: string) {
  return createMiddleware<AppEnv>(async (c) => {
    const { locale } = await readFormFields(c);
    if (!isLocale(locale)) throw new HttpError(422, 'invalid_input', 'Choose one of en, de, fr, it.');
    setCookie(c, localeCookie, locale, { path: '/', secure: true, httpOnly: true, sameSite: 'Strict', maxAge: 365 * 86400 });
    return c.redirect(safeBack(c.req.header('referer'), publicOrigin), 303);
  });
}

const pathOnly = z.string().regex(/^\/(?!\/)[^\s]*$/);
function safeBack(referer: string | undefined, origin: string): string {
  if (!referer) return '/';
  try {
    const url = new URL(referer);
    if (url.origin !== origin) return '/';
    return pathOnly.safeParse(url.pathname).success ? url.pathname : '/';
  } catch {
    return '/';
  }
}
