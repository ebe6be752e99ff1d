// The portal speaks German, French, Italian and English (SPEC §4): every
// language has every string with the same placeholders, and pages come out in
// the language the browser asks for, with no English left in them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { locales, negotiateLocale } from '../../app/i18n/index.ts';
import { de, en, fr, it } from '../../app/i18n/messages.ts';
import { createTestDatabase } from '../harness/database.ts';
import { forgetTotpStep, seedTotp, seedUser, signInWithTotp } from '../harness/seed.ts';
import { startTestServer } from '../harness/server.ts';

const catalogues = { de, fr, it };
const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

test('every language has every string, with the placeholders English has', () => {
  for (const [locale, catalogue] of Object.entries(catalogues)) {
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      const text = catalogue[key];
      assert.equal(typeof text, 'string', `${locale}: ${key} is missing`);
      assert.ok(text.trim().length > 0, `${locale}: ${key} is empty`);
      assert.deepEqual(placeholders(text), placeholders(en[key]), `${locale}: ${key} placeholders`);
    }
    assert.deepEqual(Object.keys(catalogue).sort(), Object.keys(en).sort(), `${locale}: no keys English lacks`);
  }
});

test('locale: the cookie wins, then Accept-Language by weight, then English', () => {
  assert.equal(negotiateLocale('it', 'de-CH,de;q=0.9'), 'it');
  assert.equal(negotiateLocale(undefined, 'fr-CH, fr;q=0.9, en;q=0.8'), 'fr');
  assert.equal(negotiateLocale(undefined, 'en;q=0.5, it-CH;q=0.9'), 'it');
  assert.equal(negotiateLocale('xx', 'es, pt'), 'en');
  assert.deepEqual([...locales].sort(), ['de', 'en', 'fr', 'it']);
});

const t = await createTestDatabase();
const server = await startTestServer(t);
const admin = await seedUser(t.admin, 'admin', null, 'i18n-admin@example.test');
await seedTotp(t.admin, admin.userId);

// English strings that are the same word in the other languages.
const sameEverywhere = new Set(['Kastell', 'OK', 'Code', 'Password', 'Status', 'Passkeys', 'Action', 'Name', 'Sites', 'Invitations', 'Filter',
  'English', 'Deutsch', 'Français', 'Italiano']);

function visibleText(html: string): string[] {
  const body = html.replace(/<script[\s\S]*?<\/script>|<style[\s\S]*?<\/style>/g, '');
  return body.split(/<[^>]+>/).map((s) => s.trim()).filter((s) => /[A-Za-z]{3,}/.test(s));
}

test('pages come out in French and Italian with no English string left, signed out and signed in', async () => {
  const englishStrings = new Set<string>(Object.values(en).filter((text) => !sameEverywhere.has(text)));
  const client = server.client();
  await forgetTotpStep(t.admin, admin.userId);
  await signInWithTotp(client, admin);
  for (const locale of ['fr', 'it', 'de'] as const) {
    for (const [path, signedIn] of [['/sign-in', false], ['/', true], ['/security', true], ['/companies', true], ['/users', true], ['/audit', true]] as const) {
      const page = signedIn
        ? await client.request('GET', path, { headers: { 'accept-language': `${locale}-CH,${locale};q=0.9,en;q=0.5` } })
        : await server.client().request('GET', path, { headers: { 'accept-language': `${locale}-CH` } });
      assert.equal(page.status, 200, `${locale} ${path}`);
      assert.match(page.text, new RegExp(`<html lang="${locale}"`), `${locale} ${path}`);
      const english = visibleText(page.text).filter((text) => englishStrings.has(text));
      assert.deepEqual(english, [], `${locale} ${path}: English left on the page`);
    }
  }
  const spanish = await server.client().request('GET', '/sign-in', { headers: { 'accept-language': 'es-ES,es' } });
  assert.match(spanish.text, /<html lang="en">[\s\S]*Skip to content/, 'a language Kastell does not speak gets English');
});

test('form errors speak the page language and name fields by their label; the API keeps English', async () => {
  const client = server.client();
  await forgetTotpStep(t.admin, admin.userId);
  await signInWithTotp(client, admin);
  const invalid = { name: ' ', customerNumber: 'x'.repeat(60) };
  const french = await client.request('POST', '/companies', { form: invalid, headers: { 'accept-language': 'fr-CH' } });
  assert.equal(french.status, 422);
  assert.match(french.text, /<li>Nom: saisissez un nom<\/li>/);
  assert.match(french.text, /<li>Numéro de client: au plus 50 caractères<\/li>/);
  assert.doesNotMatch(french.text, /enter a name|must be at most/);
  const italian = await client.request('POST', '/companies', { form: { ...invalid, extra: '1' }, headers: { 'accept-language': 'it' } });
  assert.match(italian.text, /inserisca un nome/);
  assert.match(italian.text, /campo\/i sconosciuto\/i: extra/);

  const api = await client.request('POST', '/api/v1/companies', { json: { ...invalid, extra: 1 }, headers: { 'accept-language': 'fr-CH' } });
  assert.equal(api.status, 422);
  assert.deepEqual(api.json().error.issues, [
    { path: 'name', message: 'enter a name' },
    { path: 'customerNumber', message: 'must be at most 50 characters' },
    { path: '(body)', message: 'unknown field(s): extra' },
  ]);
});
