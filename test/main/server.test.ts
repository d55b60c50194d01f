// The supervisor and readiness check against the real `nestbox serve` (API only), on the test
// back ends that test/run.ts provides. Skipped when run without them.
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { removeStalePorts, waitForReady } from '../../main/lifecycle.ts';
import { fromChildProcess, Supervisor } from '../../main/supervisor.ts';

const BIN = fileURLToPath(new URL('../../server/bin/nestbox.js', import.meta.url));
const backends = process.env.MONGODB_URI && process.env.REDIS_URL;

describe(
  'supervised server',
  { skip: !backends && 'needs MONGODB_URI and REDIS_URL (run through test/run.ts)' },
  () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'nestbox-shell-'));
    after(() => rmSync(dataDir, { recursive: true, force: true }));

    it('starts, becomes ready, serves /health, and stops gracefully with exit code 0', async () => {
      const exits: { code: number | null; signal: string | null }[] = [];
      const logs: string[] = [];
      let pid: number | undefined;
      const sup = new Supervisor({
        env: {
          NESTBOX_DATA_DIR: dataDir,
          NESTBOX_API_PORT: '0',
          NESTBOX_SERVICES: 'api',
          NESTBOX_DB_NAME: `nbshell_${Math.random().toString(36).slice(2, 10)}`,
          NESTBOX_DASHBOARD_BUILD: 'never',
        },
        spawn: (env) => {
          removeStalePorts(dataDir);
          const cp = fork(BIN, ['serve'], { env: { ...process.env, ...env }, silent: true });
          pid = cp.pid;
          cp.once('exit', (code, signal) => exits.push({ code, signal }));
          return fromChildProcess(cp);
        },
        onLog: (line) => logs.push(line),
        stopTimeoutMs: 15_000,
      });
      const startedAt = Date.now();
      sup.start();
      try {
        const ready = await waitForReady({ dataDir, notBefore: startedAt - 1000, timeoutMs: 60_000 });
        assert.match(ready.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
        assert.equal(ready.health.success, true, JSON.stringify(ready.health));
        assert.ok(ready.health.services?.api, 'the API reports itself');
      } catch (err) {
        throw new Error(`${(err as Error).message}\n${logs.slice(-20).join('\n')}`);
      } finally {
        await sup.stop();
      }
      assert.deepEqual(exits, [{ code: 0, signal: null }], logs.slice(-20).join('\n'));
      assert.throws(() => process.kill(pid!, 0), /ESRCH/);
      assert.ok(logs.length > 0, 'server output is forwarded');
    });
  },
);
