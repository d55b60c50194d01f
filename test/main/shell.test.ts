// Runs main/main.ts against a stub of Electron's main-process API (the binary is not needed):
// window security settings, CSP header, dashboard URL from ports.json, the preload bridge's IPC,
// the tray menu's pause/resume, and a quit that stops the server gracefully.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { register } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';

interface MenuItem {
  label?: string;
  enabled?: boolean;
  type?: string;
  click?: () => void;
}
interface StubWindow {
  options: { webPreferences: Record<string, unknown>; width: number; height: number };
  url: string;
  visible: boolean;
}
interface Fork {
  modulePath: string;
  args: string[];
  options: { env: Record<string, string>; stdio: string };
  cp: { pid: number };
  exit: Promise<{ code: number | null; signal: string | null }>;
}
interface Stub {
  userData: string;
  serverFixture: string;
  ready(): void;
  windows: StubWindow[];
  trays: { menu: MenuItem[]; tooltip: string; image: { path: string } }[];
  ipc: Map<string, (event: unknown) => unknown>;
  forks: Fork[];
  opened: string[];
  quitCount: number;
  onHeadersReceived(
    details: { responseHeaders: Record<string, string[]> },
    cb: (r: { responseHeaders: Record<string, string[]> }) => void,
  ): void;
  permissionHandler(wc: unknown, permission: string, cb: (ok: boolean) => void): void;
}

const userData = mkdtempSync(join(tmpdir(), 'nestbox-shell-ui-'));
after(() => rmSync(userData, { recursive: true, force: true }));
const stub = ((globalThis as { electronStub?: Partial<Stub> }).electronStub = {
  userData,
  serverFixture: fileURLToPath(new URL('./fixtures/fake-server.mjs', import.meta.url)),
}) as Stub;
register('./fixtures/electron-loader.mjs', import.meta.url);

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const menu = () => stub.trays[0]!.menu;
const item = (label: RegExp) => menu().find((m) => m.label && label.test(m.label));
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('desktop shell', () => {
  it('opens the dashboard, bridges the token, pauses, resumes and quits cleanly', async () => {
    await import('../../main/main.ts');
    stub.ready();

    await until(() => stub.windows[0]?.url.startsWith('http://127.0.0.1:') === true, 'the dashboard URL');
    const win = stub.windows[0]!;
    const dashboard = win.url;
    assert.match(dashboard, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.equal(win.options.webPreferences.contextIsolation, true);
    assert.equal(win.options.webPreferences.nodeIntegration, false);
    assert.equal(win.options.webPreferences.sandbox, true);
    assert.match(String(win.options.webPreferences.preload), /preload\.cjs$/);
    assert.equal(win.visible, true);

    // The server is forked as `<dist>/server/cli.js serve` with the data folder in its environment.
    const first = stub.forks[0]!;
    assert.match(first.modulePath, /server[/\\]cli\.js$/);
    assert.deepEqual(first.args, ['serve']);
    assert.equal(first.options.env.NESTBOX_DATA_DIR, userData);
    assert.equal(first.options.stdio, 'pipe');

    let headers: Record<string, string[]> = {};
    stub.onHeadersReceived({ responseHeaders: { 'content-type': ['text/html'] } }, (r) => {
      headers = r.responseHeaders;
    });
    assert.match(headers['Content-Security-Policy']![0]!, /script-src 'self'/);
    assert.deepEqual(headers['content-type'], ['text/html']);
    let allowed: boolean[] = [];
    stub.permissionHandler(null, 'media', (ok) => allowed.push(ok));
    stub.permissionHandler(null, 'clipboard-sanitized-write', (ok) => allowed.push(ok));
    assert.deepEqual(allowed, [false, true]);
    allowed = [];

    const token = stub.ipc.get('nestbox:admin-token')!;
    assert.equal(
      await token({ senderFrame: { url: `${dashboard}#/overview` } }),
      'fake-admin-token-0123456789',
    );
    assert.equal(await token({ senderFrame: { url: 'http://evil.example/' } }), null);
    assert.equal(await stub.ipc.get('nestbox:data-folder')!({ senderFrame: { url: dashboard } }), userData);

    assert.ok(item(/^Open Nestbox$/));
    assert.ok(item(/^Quit Nestbox$/));
    assert.equal(stub.trays[0]!.image.path.endsWith('tray.png'), true);

    // Pause: the server gets SIGTERM and exits 0; the menu offers Resume.
    item(/^Pause services$/)!.click!();
    assert.deepEqual(await first.exit, { code: 0, signal: null });
    await until(() => !!item(/^Resume services$/), 'the Resume item');
    assert.equal(item(/^Services paused$/)?.enabled, false);
    assert.match(win.url, /^data:text\/html/);

    // Resume: a new server, and the window goes back to the dashboard.
    item(/^Resume services$/)!.click!();
    await until(() => stub.forks.length === 2, 'a second server');
    await until(() => win.url.startsWith('http://127.0.0.1:'), 'the dashboard after resume');
    const second = stub.forks[1]!;
    assert.ok(alive(second.cp.pid));

    // Quit: the first request is held until the server has stopped, then quit goes through.
    item(/^Quit Nestbox$/)!.click!();
    assert.deepEqual(await second.exit, { code: 0, signal: null });
    await until(() => stub.quitCount === 1, 'the app to quit');
    assert.equal(alive(second.cp.pid), false);
  });
});
