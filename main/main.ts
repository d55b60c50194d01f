// The desktop shell: one instance, a tray icon, a window onto the dashboard, and the server run as a
// supervised utility process so a server crash never takes the window down.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  app,
  BrowserWindow,
  ipcMain,
  Menu,
  nativeImage,
  session,
  shell,
  Tray,
  utilityProcess,
  type IpcMainInvokeEvent,
  type UtilityProcess,
} from 'electron';
import {
  CONTENT_SECURITY_POLICY,
  isDashboardOrigin,
  readAdminToken,
  removeStalePorts,
  statusLine,
  waitForReady,
  type Health,
} from './lifecycle.ts';
import type { NestboxBridge } from './preload.cts';
import { Supervisor, type ChildHandle, type SupervisorState } from './supervisor.ts';

const here = dirname(fileURLToPath(import.meta.url));
// Compiled layout: dist/main/main.js next to dist/server/cli.js; assets/ at the package root.
const serverEntry = join(here, '..', 'server', 'cli.js');
// Compiled from preload.cts (CommonJS: sandboxed preloads cannot be ES modules).
const preloadScript = join(here, 'preload.cjs');
const assetsDir = join(here, '..', '..', 'assets');

let win: BrowserWindow | undefined;
let tray: Tray | undefined;
let supervisor: Supervisor;
let dashboard: string | undefined;
let health: Health | undefined;
let quitting = false;
let readiness: AbortController | undefined;

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (app.isReady()) showWindow();
  });
  void app.whenReady().then(start);
}

function start(): void {
  const dataDir = app.getPath('userData');
  mkdirSync(dataDir, { recursive: true });

  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] },
    });
  });
  // Copy buttons need the clipboard; nothing else (camera, notifications, …) is granted.
  session.defaultSession.setPermissionRequestHandler((_wc, permission, callback) =>
    callback(permission === 'clipboard-sanitized-write'),
  );

  const fromDashboard = (event: IpcMainInvokeEvent): boolean =>
    !!dashboard && !!event.senderFrame && isDashboardOrigin(event.senderFrame.url, dashboard);
  // The answers to the preload bridge's calls; typed against it so both sides agree.
  const handlers: { [K in keyof NestboxBridge]: () => ReturnType<NestboxBridge[K]> } = {
    adminToken: async () => readAdminToken(dataDir) ?? null,
    dataFolder: async () => dataDir,
    openDataFolder: async () => {
      await shell.openPath(dataDir);
    },
  };
  ipcMain.handle('nestbox:admin-token', (event) => (fromDashboard(event) ? handlers.adminToken() : null));
  ipcMain.handle('nestbox:data-folder', (event) => (fromDashboard(event) ? handlers.dataFolder() : null));
  ipcMain.handle('nestbox:open-data-folder', (event) =>
    fromDashboard(event) ? handlers.openDataFolder() : undefined,
  );

  supervisor = new Supervisor({
    env: { ...stringEnv(process.env), NESTBOX_DATA_DIR: dataDir },
    spawn: (env) => {
      removeStalePorts(dataDir);
      const notBefore = Date.now() - 1000;
      const child = forkServer(env);
      void awaitDashboard(dataDir, notBefore);
      return child;
    },
    onLog: (line, stream) => (stream === 'stderr' ? process.stderr : process.stdout).write(`${line}\n`),
    onState: (state) => onSupervisorState(state),
  });

  tray = new Tray(nativeImage.createFromPath(join(assetsDir, 'tray.png')));
  tray.setToolTip('Nestbox');
  tray.on('click', () => showWindow());
  updateTray();

  createWindow();
  supervisor.start();
  setInterval(() => void refreshHealth(), 5000).unref();

  app.on('activate', () => showWindow());
  // The server keeps running in the tray when the window closes.
  app.on('window-all-closed', () => {});
  app.on('before-quit', (event) => {
    if (quitting) return;
    event.preventDefault();
    quitting = true;
    readiness?.abort();
    void supervisor.stop().finally(() => app.quit());
  });
}

function forkServer(env: Record<string, string>): ChildHandle {
  const child: UtilityProcess = utilityProcess.fork(serverEntry, ['serve'], {
    env,
    stdio: 'pipe',
    serviceName: 'Nestbox server',
  });
  return {
    get pid() {
      return child.pid;
    },
    stdout: child.stdout,
    stderr: child.stderr,
    onExit(listener) {
      child.once('exit', (code) => listener(code, null));
    },
    terminate() {
      // kill() is SIGTERM on POSIX; on Windows it cannot be graceful, so ask over the message port.
      if (process.platform === 'win32') child.postMessage({ type: 'shutdown' });
      else child.kill();
    },
    kill() {
      if (process.platform !== 'win32' && child.pid) process.kill(child.pid, 'SIGKILL');
      else child.kill();
    },
  };
}

async function awaitDashboard(dataDir: string, notBefore: number): Promise<void> {
  readiness?.abort();
  const controller = new AbortController();
  readiness = controller;
  try {
    const ready = await waitForReady({ dataDir, notBefore, signal: controller.signal });
    if (controller.signal.aborted) return;
    health = ready.health;
    updateTray();
    dashboard = ready.url;
    if (win && !win.isDestroyed() && !win.webContents.getURL().startsWith(ready.url))
      await win.loadURL(ready.url);
  } catch (err) {
    if (controller.signal.aborted) return;
    showMessage('Nestbox could not start', (err as Error).message);
  }
}

async function refreshHealth(): Promise<void> {
  if (!dashboard || supervisor.state !== 'running') return;
  try {
    const res = await fetch(new URL('health', dashboard), { signal: AbortSignal.timeout(3000) });
    health = (await res.json()) as Health;
  } catch (err) {
    health = { success: false, error: (err as Error).message };
  }
  updateTray();
}

function onSupervisorState(state: SupervisorState): void {
  if (state !== 'running') health = undefined;
  // During a crash restart the page stays and reconnects by itself; paused or stopped, it is replaced.
  if (state === 'paused' || state === 'stopped') dashboard = undefined;
  if (state === 'paused') showMessage('Services paused', 'Resume them from the tray menu.');
  updateTray();
}

function createWindow(): void {
  win = new BrowserWindow({
    width: 1280,
    height: 800,
    minWidth: 420,
    minHeight: 480,
    title: 'Nestbox',
    icon: join(assetsDir, 'icon.png'),
    show: false,
    webPreferences: {
      preload: preloadScript,
      contextIsolation: true,
      nodeIntegration: false,
      sandbox: true,
      webSecurity: true,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => win?.show());
  win.on('close', (event) => {
    if (quitting) return;
    event.preventDefault();
    win?.hide();
  });
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (/^https?:/.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  win.webContents.on('will-navigate', (event, url) => {
    if (dashboard && isDashboardOrigin(url, dashboard)) return;
    event.preventDefault();
    if (/^https?:/.test(url)) void shell.openExternal(url);
  });
  showMessage('Starting Nestbox…', 'Starting the mail services. This can take a minute on first start.');
}

function showWindow(): void {
  if (!win || win.isDestroyed()) createWindow();
  if (dashboard && win && !win.webContents.getURL().startsWith(dashboard)) void win.loadURL(dashboard);
  if (win?.isMinimized()) win.restore();
  win?.show();
  win?.focus();
}

/** A static status page while the dashboard is not reachable; no script, so the CSP stays strict. */
function showMessage(title: string, detail: string): void {
  if (!win || win.isDestroyed()) return;
  const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  const html =
    `<!doctype html><meta charset="utf-8"><title>Nestbox</title>` +
    `<body style="font:15px system-ui,sans-serif;display:grid;place-items:center;height:90vh;color:#1f2937">` +
    `<div style="text-align:center"><h1 style="font-size:20px">${esc(title)}</h1><p>${esc(detail)}</p></div>`;
  void win.loadURL(`data:text/html;charset=utf-8,${encodeURIComponent(html)}`);
}

function updateTray(): void {
  if (!tray) return;
  const state = supervisor.state;
  const paused = state === 'paused';
  const status = statusLine(state, health);
  tray.setToolTip(`Nestbox — ${status}`);
  tray.setContextMenu(
    Menu.buildFromTemplate([
      { label: status, enabled: false },
      { type: 'separator' },
      { label: 'Open Nestbox', click: () => showWindow() },
      {
        label: paused ? 'Resume services' : 'Pause services',
        enabled: state === 'running' || state === 'waiting' || paused,
        click: () => (paused ? supervisor.resume() : void supervisor.pause()),
      },
      { label: 'Open data folder', click: () => void shell.openPath(app.getPath('userData')) },
      { type: 'separator' },
      { label: 'Quit Nestbox', click: () => app.quit() },
    ]),
  );
}

function stringEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}
