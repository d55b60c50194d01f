// Runs `nestbox serve` as a real child process with its own data folder, for tests that need the
// real entry point (signals, exit codes, start-up errors).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../server/bin/nestbox.js', import.meta.url));

export interface ServerProcess {
  child: ChildProcess;
  dataDir: string;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Waits for ports.json (written once every service listens). */
  ready(timeoutMs?: number): Promise<Record<string, number>>;
  /** SIGTERM, SIGKILL after 15 s if it is still running, then cleanup(). */
  stop(): Promise<void>;
  cleanup(): void;
}

export function spawnServer(
  env: Record<string, string | undefined>,
  args: string[] = ['serve'],
): ServerProcess {
  const dataDir = mkdtempSync(join(tmpdir(), 'nestbox-srv-'));
  let out = '';
  const child = spawn(process.execPath, [BIN, ...args], {
    env: {
      ...process.env,
      NESTBOX_DATA_DIR: dataDir,
      NESTBOX_API_PORT: '0',
      NESTBOX_IMAP_PORT: '0',
      NESTBOX_IMAPS_PORT: '0',
      NESTBOX_POP3_PORT: '0',
      NESTBOX_POP3S_PORT: '0',
      NESTBOX_LMTP_PORT: '0',
      NESTBOX_HOST: '127.0.0.1',
      NESTBOX_DB_NAME: `nbs_${Math.random().toString(36).slice(2, 10)}`,
      // a test that wants serve to build the dashboard says so; others must not start vite
      NESTBOX_DASHBOARD_BUILD: 'never',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    dataDir,
    output: () => out,
    exited,
    async ready(timeoutMs = 20_000) {
      const file = join(dataDir, 'ports.json');
      const deadline = Date.now() + timeoutMs;
      while (!existsSync(file)) {
        if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${out}`);
        if (Date.now() > deadline) throw new Error(`server not ready after ${timeoutMs} ms:\n${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return JSON.parse(readFileSync(file, 'utf8')) as Record<string, number>;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(killer);
      }
      this.cleanup();
    },
    cleanup() {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
