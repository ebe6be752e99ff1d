// Locale negotiation (cookie, then Accept-Language, then English) and
// translation; app/http/locale.ts applies it to requests.
import { de, en, fr, it, type MessageKey, type Messages } from './messages.ts';

export const locales = ['en', 'de', 'fr', 'it'] as const;
export type Locale = (typeof locales)[number];
export type Translate = (key: MessageKey, values?: Record<string, string>) => string;
export const localeCookie = 'kastell-locale';

const catalogues: Record<Locale, Messages> = { en, de, fr, it };

export function isMessageKey(value: string): value is MessageKey {
  return Object.hasOwn(en, value);
}

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (locales as readonly string[]).includes(value);
}

export function negotiateLocale(cookie: string | undefined, acceptLanguage: string | undefined): Locale {
  if (isLocale(cookie)) return cookie;
  const wanted = (acceptLanguage ?? '')
    .split(',')
    .map((part) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.find((p) => p.trim().startsWith('q='));
      return { lang: (tag ?? '').slice(0, 2).toLowerCase(), q: q ? Number(q.trim().slice(2)) : 1 };
    })
    .sort((a, b) => b.q - a.q);
  return wanted.map((w) => w.lang).find(isLocale) ?? 'en';
}

/** Keys that come in a `.one` and an `.other` form, named without the ending: 'users.passkeys'. */
export type CountedKey = { [K in MessageKey]: K extends `${infer Base}.one` ? (`${Base}.other` extends MessageKey ? Base : never) : never }[MessageKey];

/**
 * The form of a counted key for `count` in `locale`: Intl's plural rules
 * (CLDR) pick it, so French says "0 clé" where English says "0 passkeys".
 * Categories other than 'one' (French and Italian have 'many' for millions)
 * use the `.other` text.
 */
export function countedKey(locale: Locale, key: CountedKey, count: number): MessageKey {
  return new Intl.PluralRules(locale).select(count) === 'one' ? `${key}.one` : `${key}.other`;
}

export function translator(locale: Locale): Translate {
  const catalogue = catalogues[locale];
  return (key, values = {}) =>
    catalogue[key].replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? `{${name}}`);
}
