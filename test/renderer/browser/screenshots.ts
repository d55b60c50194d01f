// Loads the built dashboard in Debian's Chromium against the mock API and saves screenshots of each
// page, wide and narrow. Fails on page errors and on CSP violations.
//   npx vite build --config renderer/vite.config.ts && node --import tsx test/renderer/browser/screenshots.ts
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startMockServer, TOKEN } from './mock-server.ts';

const out = process.env.SCREENSHOT_DIR ?? 'test-artifacts/screenshots';
mkdirSync(out, { recursive: true });

const { server, url } = await startMockServer();
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--no-first-run',
  ],
});
const problems: string[] = [];
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
  const page = await context.newPage();
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' || /Content Security Policy/i.test(msg.text()))
      problems.push(`console: ${msg.text()}`);
  });

  // Runs in the page; this file is type-checked without the DOM library.
  const setHash = (hash: string) =>
    page.evaluate((h) => {
      (globalThis as unknown as { location: { hash: string } }).location.hash = h;
    }, hash);

  await page.goto(url);
  await page.getByLabel('Admin token').waitFor();
  await page.screenshot({ path: join(out, 'token.png') });
  await page.getByLabel('Admin token').fill('wrong-token');
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByText('The admin token was not accepted').waitFor();
  // The 401 above is expected; only what follows counts.
  problems.length = 0;
  await page.getByLabel('Admin token').fill(TOKEN);
  await page.getByRole('button', { name: 'Continue' }).click();

  const shots: [string, string, string][] = [
    ['overview', '#/overview', 'Services'],
    ['accounts', '#/accounts', 'alice@home.example'],
    ['account', '#/accounts/u1', 'App passwords'],
    ['activity', '#/activity', 'New message (UID'],
    ['logs', '#/logs', 'quota exceeded'],
    ['connect', '#/connect/u1', 'Automatic setup'],
    ['settings', '#/settings', 'ports.imap'],
  ];
  for (const [name, hash, text] of shots) {
    await setHash(hash);
    await page.getByText(text).first().waitFor({ timeout: 5000 });
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(out, `${name}.png`), fullPage: name === 'account' });
    console.log(`saved ${join(out, `${name}.png`)}`);
  }

  // Pause keeps new lines aside; resume shows them.
  await setHash('#/logs');
  await page.getByRole('button', { name: 'Pause' }).click();
  await page.getByRole('button', { name: /Resume \(\d+ new\)/ }).waitFor({ timeout: 5000 });
  await page.getByRole('button', { name: /Resume/ }).click();

  await page.setViewportSize({ width: 420, height: 800 });
  await setHash('#/overview');
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(out, 'overview-narrow.png'), fullPage: true });
  await page.getByRole('button', { name: 'Menu' }).click();
  await page.screenshot({ path: join(out, 'menu-narrow.png') });
  console.log(`saved ${join(out, 'overview-narrow.png')}, ${join(out, 'menu-narrow.png')}`);
  await context.close();
} finally {
  await browser.close();
  server.close();
  server.closeAllConnections();
}
if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log('dashboard rendered without errors or CSP violations');
