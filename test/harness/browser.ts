// Debian's chromium driven by playwright-core (no browser download).
import { after } from 'node:test';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const chromiumPath = process.env.KASTELL_CHROMIUM ?? '/usr/bin/chromium';

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(`No chromium at ${chromiumPath}: apt-get install chromium (or set KASTELL_CHROMIUM).`);
  }
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  after(() => browser.close());
  return browser;
}

/** A phone-sized browser context already signed in with `sessionToken` (a seeded session, as after sign-in and TOTP); CSP refusals land in `violations`. */
export async function phoneSignedIn(browser: Browser, sessionToken: string, violations: string[]): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'en-GB', hasTouch: true, isMobile: true, acceptDownloads: true });
  await context.addCookies([{ name: '__Host-kastell-session', value: sessionToken, domain: '127.0.0.1', path: '/', secure: true, httpOnly: true, sameSite: 'Lax' }]);
  const page = await context.newPage();
  page.on('console', (message) => { if (/Content Security Policy|Refused to/.test(message.text())) violations.push(message.text()); });
  return { context, page };
}
