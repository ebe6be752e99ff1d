// WCAG 2.1 AA checks with axe-core on the portal's pages, in Chromium.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { createTestDatabase } from '../harness/database.ts';
import { launchBrowser } from '../harness/browser.ts';
import { forgetTotpStep, seedAsset, seedCompany, seedSite, seedTotp, seedUser, totpCode } from '../harness/seed.ts';
import { startTestServer } from '../harness/server.ts';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const t = await createTestDatabase();
const server = await startTestServer(t);
const browser = await launchBrowser();
const company = await seedCompany(t.admin, 'Alpha AG');
const site = await seedSite(t.admin, company, 'Werk Thun');
await seedAsset(t.admin, company, site, 'Heat pump 3');
const owner = await seedUser(t.admin, 'owner');
await seedTotp(t.admin, owner.userId);

async function violations(page: Page): Promise<string[]> {
  // Runtime.evaluate is not subject to the page's CSP, so axe runs unmodified.
  await page.evaluate(axeSource);
  const result = await page.evaluate(() =>
    (window as unknown as { axe: { run: (o: object) => Promise<{ violations: Array<{ id: string; impact: string; nodes: unknown[] }> }> } })
      .axe.run({ runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }),
  );
  // axe 4 no longer reports duplicate ids under WCAG tags, yet a label tied to
  // the wrong input is exactly what screen-reader users hit.
  const duplicateIds = await page.evaluate(() => {
    const ids = [...document.querySelectorAll('[id]')].map((e) => e.id);
    return ids.filter((id, i) => ids.indexOf(id) !== i);
  });
  return [...result.violations.map((v) => `${v.id} (${v.impact}, ${v.nodes.length} nodes)`), ...duplicateIds.map((id) => `duplicate id ${id}`)];
}

test('signed-out pages have no WCAG 2.1 A/AA violations', async () => {
  const page = await browser.newPage();
  for (const path of ['/sign-in', new URL(server.setupLink!).pathname]) {
    await page.goto(server.url + path);
    assert.deepEqual(await violations(page), [], path);
  }
  await page.close();
});

test('signed-in pages, on a phone and a desktop, have no WCAG 2.1 A/AA violations', async () => {
  for (const viewport of [{ width: 390, height: 844 }, { width: 1280, height: 900 }]) {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    await page.goto(`${server.url}/sign-in`);
    await page.getByLabel('E-mail address').fill(owner.email);
    await page.getByLabel('Password').fill(owner.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${server.url}/sign-in/factor`);
    assert.deepEqual(await violations(page), [], `/sign-in/factor at ${viewport.width}px`);
    await forgetTotpStep(t.admin, owner.userId);
    await page.getByLabel('Code').fill(await totpCode());
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(`${server.url}/`);
    for (const path of ['/', '/companies', `/companies/${company}`, `/sites/${site}`, '/invites', '/security', '/security/sessions', '/users']) {
      await page.goto(server.url + path);
      assert.equal(new URL(page.url()).pathname, path);
      assert.deepEqual(await violations(page), [], `${path} at ${viewport.width}px`);
    }
    await context.close();
  }
});
