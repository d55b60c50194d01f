// The dashboard end to end: the built renderer served by a live in-process server, driven in Debian's
// Chromium. Signs in, creates an account through the UI, delivers mail over LMTP and watches it arrive
// live, changes the quota, checks the client settings against the real listeners, and renders every
// page wide and narrow without error banners or console errors (screenshots in test-artifacts/e2e/).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createTransport } from 'nodemailer';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { PACKAGE_ROOT } from '../../server/package-root.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { testEnv } from '../helpers/backends.ts';
import { Redis } from 'ioredis';

const CHROMIUM = '/usr/bin/chromium';
const OUT = join(PACKAGE_ROOT, 'test-artifacts', 'e2e');
const WAIT = 20_000;
const MB = 1024 * 1024;
const USERNAME = 'dora';
const ADDRESS = 'dora@home.example';
const WIDTHS = [1280, 420] as const;

/** Builds renderer/dist from the current sources: the API serves whatever is there when it starts. */
async function buildRenderer(): Promise<void> {
  const vite = join(PACKAGE_ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  await promisify(execFile)(process.execPath, [vite, 'build', '--config', 'renderer/vite.config.ts'], {
    cwd: PACKAGE_ROOT,
    maxBuffer: 16 * MB,
  });
  assert.ok(existsSync(join(PACKAGE_ROOT, 'renderer', 'dist', 'index.html')), 'the build wrote index.html');
}

function message(subject: string): string {
  return [
    'From: Eve Sender <eve@remote.example>',
    `To: ${ADDRESS}`,
    `Subject: ${subject}`,
    `Message-ID: <${subject.replace(/\W/g, '')}.${Date.now()}@remote.example>`,
    '',
    'Hello from the end-to-end test.',
    '',
  ].join('\r\n');
}

async function deliver(srv: TestServer, subject: string): Promise<void> {
  const lmtp = createTransport({ host: '127.0.0.1', port: srv.ports.lmtp!, lmtp: true, ignoreTLS: true });
  try {
    const info = await lmtp.sendMail({
      envelope: { from: 'eve@remote.example', to: [ADDRESS] },
      raw: message(subject),
    });
    assert.deepEqual(info.accepted, [ADDRESS]);
  } finally {
    lmtp.close();
  }
}

/** A POP3 login with a wrong password, so the feed has a failed sign-in to show. Resolves with the dialogue. */
function failedPop3Login(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    // one command after each server line: greeting → USER, +OK → PASS, -ERR → QUIT
    const commands = [`USER ${USERNAME}`, 'PASS not-the-password', 'QUIT'];
    let seen = '';
    let pending = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      seen += chunk;
      pending += chunk;
      let end: number;
      while ((end = pending.indexOf('\r\n')) >= 0) {
        pending = pending.slice(end + 2);
        const next = commands.shift();
        if (next) socket.write(`${next}\r\n`);
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(seen));
  });
}

async function api<T>(srv: TestServer, path: string): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${srv.ports.api}${path}`, {
    headers: { 'X-Access-Token': srv.adminToken },
  });
  assert.equal(res.status, 200, `GET ${path}`);
  return (await res.json()) as T;
}

interface UserJson {
  username: string;
  address: string;
  limits: { quota: { allowed: number; used: number } };
}

describe(
  'dashboard end to end in Chromium',
  { skip: existsSync(CHROMIUM) ? false : 'no Chromium at /usr/bin/chromium to drive' },
  () => {
    let srv: TestServer;
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;
    let userId = '';
    /** Page errors and console errors since the last check. */
    const problems: string[] = [];

    // Runs in the page; this file is type-checked without the DOM library.
    const goTo = async (hash: string) => {
      await page.evaluate((h) => {
        (globalThis as unknown as { location: { hash: string } }).location.hash = h;
      }, hash);
    };
    const heading = (name: string | RegExp) => page.getByRole('heading', { level: 1, name });
    const mailboxRow = (path: string) =>
      page.getByRole('row').filter({ has: page.getByRole('cell', { name: path, exact: true }) });

    before(async () => {
      mkdirSync(OUT, { recursive: true });
      await buildRenderer();
      // info level, so the Logs page has the server's own lines (start-up, logins) to show
      // a Redis database of its own, emptied first: the delivery counters are server-wide, and
      // other test files deliver mail on the shared Redis at the same time
      const redisUrl = `${testEnv().redisUrl.replace(/\/\d*$/, '')}/12`;
      const redis = new Redis(redisUrl);
      await redis.flushdb().finally(() => redis.disconnect());
      srv = await startTestServer({ env: { NESTBOX_LOG_LEVEL: 'info', REDIS_URL: redisUrl } });
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
      });
      context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
      page = await context.newPage();
      page.setDefaultTimeout(WAIT);
      page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
      page.on('console', (msg) => {
        if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
      });
    });

    after(async () => {
      await context?.close();
      await browser?.close();
      await srv?.stop();
    });

    it('asks for the admin token once and signs in with it', async () => {
      await page.goto(`http://127.0.0.1:${srv.ports.api}/`);
      const prompt = page.getByLabel('Admin token');
      await prompt.waitFor();
      await prompt.fill(srv.adminToken);
      await page.getByRole('button', { name: 'Continue' }).click();
      await heading('Overview').waitFor();
      await assertNoTokenPrompt(page);
      // The live feed is open and the health check reached the server.
      await page.getByText('connected', { exact: true }).waitFor();
      await page.locator('header').getByText('Healthy').waitFor();
      // A reload keeps the token for the tab: no second prompt.
      await page.reload();
      await heading('Overview').waitFor();
      await assertNoTokenPrompt(page);
      assert.deepEqual(problems.splice(0), []);
    });

    it('creates an account through the Accounts page', async () => {
      await page.getByRole('navigation').getByRole('link', { name: 'Accounts' }).click();
      await heading('Accounts').waitFor();
      await page.getByRole('button', { name: 'New account' }).click();
      await page.getByLabel('User name').fill(USERNAME);
      await page.getByLabel('Password').fill('a long secret');
      await page.getByLabel('E-mail address').fill(ADDRESS);
      await page.getByLabel('Quota').fill('50 MB');
      await page.getByRole('button', { name: 'Create account' }).click();

      // Creating opens the new account's page.
      await heading(USERNAME).waitFor();
      const match = /#\/accounts\/([0-9a-f]{24})$/.exec(page.url());
      assert.ok(match, `the account page's address names the account: ${page.url()}`);
      userId = match[1]!;
      await page.getByText('of 50 MB').waitFor();
      await page.getByText(ADDRESS, { exact: true }).waitFor();
      await mailboxRow('INBOX').waitFor();

      const user = await api<UserJson>(srv, `/users/${userId}`);
      assert.equal(user.username, USERNAME);
      assert.equal(user.address, ADDRESS);
      assert.equal(user.limits.quota.allowed, 50 * MB);
      assert.deepEqual(problems.splice(0), []);
    });

    it('shows a delivery and a failed sign-in live in Activity, and the counts on the account page', async () => {
      await page.getByRole('navigation').getByRole('link', { name: 'Activity' }).click();
      await heading('Activity').waitFor();
      await deliver(srv, 'First delivery');
      const feed = page.getByRole('log');
      const delivery = feed.locator('.feed-row').filter({ hasText: 'New message (UID 1) in INBOX' });
      await delivery.waitFor();
      assert.match(await delivery.innerText(), new RegExp(USERNAME));
      // who sent it and what about
      await delivery.filter({ hasText: 'from Eve Sender <eve@remote.example>: “First delivery”' }).waitFor();

      const dialogue = await failedPop3Login(srv.ports.pop3!);
      assert.match(dialogue, /-ERR/);
      const signIn = feed.locator('.feed-row').filter({ hasText: `Sign-in failed for ${USERNAME}` });
      await signIn.waitFor();
      assert.match(await signIn.innerText(), /POP3 from 127\.0\.0\.1/);

      await goTo(`#/accounts/${userId}`);
      await heading(USERNAME).waitFor();
      // Cells: path, role (INBOX has no special-use attribute), messages, unread.
      const inbox = mailboxRow('INBOX');
      await assertCells(inbox, ['INBOX', '', '1', '1']);

      // A second message while the page is open updates the counts without a reload.
      await deliver(srv, 'Second delivery');
      await assertCells(inbox, ['INBOX', '', '2', '2']);
      const total = page.locator('tfoot tr');
      await assertCells(total, ['Total', '', '2', '2']);
      assert.deepEqual(problems.splice(0), []);
    });

    it("changes the account's quota through the UI", async () => {
      const quota = page.getByLabel('Quota');
      assert.equal(await quota.inputValue(), '50 MB');
      await quota.fill('200 MB');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.getByText('Saved.', { exact: true }).waitFor();
      await page.getByText('of 200 MB').waitFor();
      assert.equal(await page.getByLabel('Quota').inputValue(), '200 MB');

      const user = await api<UserJson>(srv, `/users/${userId}`);
      assert.equal(user.limits.quota.allowed, 200 * MB);
      assert.ok(user.limits.quota.used > 0, 'the two messages count against the quota');
      assert.deepEqual(problems.splice(0), []);
    });

    it("shows the server's real listeners on the Connect page", async () => {
      await page.getByRole('link', { name: 'Connect a client' }).last().click();
      await heading('Connect a client').waitFor();
      await page.getByRole('heading', { level: 2, name: `${USERNAME} — ${ADDRESS}` }).waitFor();
      const rows = page.locator('tbody tr');
      await rows.first().waitFor();
      const shown = (await rows.allInnerTexts()).map((text) =>
        text
          .split('\t')
          .map((cell) => cell.replace(/Copy$/, '').trim())
          .slice(0, 5),
      );

      const expected = srv.server.ctx
        .listeners()
        .filter((l) => l.name.startsWith('imap') || l.name.startsWith('pop3'))
        .map((l) => [
          l.name.startsWith('imap') ? 'IMAP' : 'POP3',
          l.host,
          String(l.port),
          l.tls === 'implicit' ? 'SSL/TLS' : 'STARTTLS',
          USERNAME,
        ]);
      assert.equal(expected.length, 4, 'imap, imaps, pop3 and pop3s listen');
      assert.deepEqual(sortRows(shown), sortRows(expected));
      // The automatic set-up link is for the account's address.
      const autoconfig = page.getByRole('link', { name: 'Thunderbird autoconfig (XML)' });
      assert.match(
        (await autoconfig.getAttribute('href')) ?? '',
        /config-v1\.1\.xml\?emailaddress=dora%40home\.example/,
      );
      assert.deepEqual(problems.splice(0), []);
    });

    const pages: { name: string; hash: () => string; ready: () => Promise<void> }[] = [
      {
        name: 'overview',
        hash: () => '#/overview',
        ready: () => page.getByRole('cell', { name: 'IMAPS', exact: true }).waitFor(),
      },
      {
        name: 'accounts',
        hash: () => '#/accounts',
        ready: () => page.getByRole('link', { name: USERNAME, exact: true }).waitFor(),
      },
      {
        name: 'account',
        hash: () => `#/accounts/${userId}`,
        ready: () => mailboxRow('INBOX').getByRole('cell', { name: '2', exact: true }).first().waitFor(),
      },
      {
        name: 'activity',
        hash: () => '#/activity',
        ready: () => page.getByText('New message (UID 2) in INBOX').waitFor(),
      },
      {
        name: 'logs',
        hash: () => '#/logs',
        ready: () => page.getByText('Nestbox is ready').first().waitFor(),
      },
      {
        name: 'connect',
        hash: () => `#/connect/${userId}`,
        ready: () => page.getByText('Automatic setup').waitFor(),
      },
      {
        name: 'settings',
        hash: () => '#/settings',
        ready: async () => {
          const services = page.getByLabel('services', { exact: true });
          await services.waitFor();
          assert.equal(await services.inputValue(), 'imap, pop3, lmtp, api');
          // LMTP's own bind address, loopback unless set
          assert.equal(await page.getByLabel('lmtpHost', { exact: true }).inputValue(), '127.0.0.1');
        },
      },
    ];

    for (const width of WIDTHS) {
      it(`renders every page at ${width}×800 without errors`, async () => {
        await page.setViewportSize({ width, height: 800 });
        for (const p of pages) {
          await goTo(p.hash());
          await p.ready();
          const banners = await page.locator('.alert.error, [role="alert"]').allInnerTexts();
          assert.deepEqual(banners, [], `${p.name} at ${width}px shows no error banner`);
          assert.deepEqual(problems.splice(0), [], `${p.name} at ${width}px logs no errors`);
          const overflow = await page.evaluate(() => {
            const doc = (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } })
              .document;
            return doc.documentElement.scrollWidth;
          });
          assert.ok(overflow <= width, `${p.name} at ${width}px does not scroll sideways (${overflow}px)`);
          await page.screenshot({ path: join(OUT, `${p.name}-${width}.png`), fullPage: true });
        }
      });
    }

    it("fills the overview from the server's delivery counters when it opens", async () => {
      // both deliveries arrived while the overview was not open: only the server counted them
      await goTo('#/overview');
      await page.reload();
      await heading('Overview').waitFor();
      await page.getByTestId('delivered-today').filter({ hasText: /^2$/ }).waitFor();
      assert.equal(await page.getByTestId('delivered-total').innerText(), '2');
      assert.equal(await page.getByText('LMTP 2 · IMAP 0 · API 0').count(), 2);
      await page.getByRole('img', { name: 'New messages per minute, last 30 minutes: 2 in total' }).waitFor();

      // an upload through the API is counted as such, and the page follows without a reload
      const inbox = (
        await api<{ results: Array<{ id: string; path: string }> }>(srv, `/users/${userId}/mailboxes`)
      ).results.find((m) => m.path === 'INBOX')!;
      const r = await fetch(
        `http://127.0.0.1:${srv.ports.api}/users/${userId}/mailboxes/${inbox.id}/messages`,
        {
          method: 'POST',
          headers: { 'X-Access-Token': srv.adminToken, 'Content-Type': 'message/rfc822' },
          body: message('Uploaded'),
        },
      );
      assert.equal(r.status, 200, await r.text());
      await page.getByTestId('delivered-today').filter({ hasText: /^3$/ }).waitFor();
      assert.equal(await page.getByText('LMTP 2 · IMAP 0 · API 1').count(), 2);
      assert.deepEqual(problems.splice(0), []);
    });

    it('settings say where a value comes from and that an unset relay is not set', async () => {
      await page.setViewportSize({ width: 1280, height: 800 }); // the About column shows when wide
      await goTo('#/settings');
      await heading('Settings').waitFor();
      assert.equal(await page.getByLabel('relayUrl', { exact: true }).getAttribute('placeholder'), 'not set');
      await page
        .getByText('Set by the environment variable NESTBOX_API_HOST: it wins over a value saved here.')
        .waitFor();
      assert.deepEqual(problems.splice(0), []);
    });

    it('log lines name their protocol, user and client address', async () => {
      await goTo('#/logs');
      await heading('Logs').waitFor();
      // the failed POP3 sign-in of the Activity test, as the server logged it
      const row = page.locator('.feed-row').filter({ hasText: 'login failed' }).first();
      await row.waitFor();
      assert.match(
        await row.locator('.context').innerText(),
        new RegExp(`POP3 · ${USERNAME} · 127\\.0\\.0\\.1`),
      );
      assert.deepEqual(problems.splice(0), []);
    });

    it("shows the new account form's quota hint whole (at 1280 px, five fields a row)", async () => {
      await goTo('#/accounts');
      await page.getByRole('button', { name: 'New account' }).click();
      const quota = page.getByLabel('Quota');
      await quota.waitFor();
      // the placeholder's drawn width fits the field's content box
      const fits = await quota.evaluate((el) => {
        const input = el as unknown as {
          placeholder: string;
          clientWidth: number;
          ownerDocument: {
            createElement(t: string): {
              getContext(c: string): { font: string; measureText(t: string): { width: number } };
            };
          };
        };
        const style = (
          globalThis as unknown as { getComputedStyle(e: unknown): Record<string, string> }
        ).getComputedStyle(el);
        const ctx = input.ownerDocument.createElement('canvas').getContext('2d');
        ctx.font = style.font!;
        const room = input.clientWidth - parseFloat(style.paddingLeft!) - parseFloat(style.paddingRight!);
        return { text: ctx.measureText(input.placeholder).width, room };
      });
      assert.ok(fits.text <= fits.room, `placeholder ${fits.text}px in ${fits.room}px`);
      await page.getByText("Empty: the server's default").waitFor();
      assert.deepEqual(problems.splice(0), []);
    });
  },
);

async function assertNoTokenPrompt(page: Page): Promise<void> {
  assert.equal(await page.getByLabel('Admin token').count(), 0, 'the token prompt is gone');
}

/** Waits until a table row's first cells read as expected (the page updates them live). */
async function assertCells(row: ReturnType<Page['locator']>, expected: string[]): Promise<void> {
  const read = async () =>
    (await row.locator('td, th').allInnerTexts()).slice(0, expected.length).map((c) => c.trim());
  const until = Date.now() + WAIT;
  let cells = await read();
  while (JSON.stringify(cells) !== JSON.stringify(expected) && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 100));
    cells = await read();
  }
  assert.deepEqual(cells, expected);
}

function sortRows(rows: string[][]): string[][] {
  return rows.map((r) => [...r]).sort((a, b) => a.join(' ').localeCompare(b.join(' ')));
}
