import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import {
  backoffDelay,
  fromChildProcess,
  Supervisor,
  type SupervisorOptions,
  type SupervisorState,
} from '../../main/supervisor.ts';

const fixture = fileURLToPath(new URL('./fixtures/server.mjs', import.meta.url));

/** A supervisor over the fixture, recording every spawn, state change and log line. */
function harness(mode: string, extra: Partial<SupervisorOptions> = {}, env: Record<string, string> = {}) {
  const spawns: { pid: number | undefined; at: number }[] = [];
  const states: { state: SupervisorState; nextRestartMs: number | undefined }[] = [];
  const logs: string[] = [];
  const exits: { code: number | null; signal: string | null }[] = [];
  const sup = new Supervisor({
    env: { FIXTURE_MODE: mode, ...env },
    spawn: (childEnv) => {
      // Plain node: the runner's own flags (loaders that handle signals) must not leak into the fixture.
      const cp = fork(fixture, ['serve'], {
        env: { ...process.env, ...childEnv },
        silent: true,
        execArgv: [],
      });
      cp.once('exit', (code, signal) => exits.push({ code, signal }));
      spawns.push({ pid: cp.pid, at: Date.now() });
      return fromChildProcess(cp);
    },
    onLog: (line) => logs.push(line),
    onState: (state, info) => states.push({ state, nextRestartMs: info.nextRestartMs }),
    ...extra,
  });
  return { sup, spawns, states, logs, exits };
}

function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for a condition');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('backoffDelay', () => {
  it('doubles from the initial delay up to the maximum', () => {
    const opts = { initialMs: 100, maxMs: 1000, factor: 2 };
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5].map((n) => backoffDelay(n, opts)),
      [100, 200, 400, 800, 1000, 1000],
    );
  });
});

describe('Supervisor', () => {
  it('restarts a crashing child with exponential backoff', async () => {
    const { sup, spawns, states, logs } = harness('crash', {
      backoff: { initialMs: 50, maxMs: 1000, factor: 2 },
      stableAfterMs: 10_000,
    });
    sup.start();
    await until(() => spawns.length >= 4);
    await sup.stop();
    const delays = states.filter((s) => s.state === 'waiting').map((s) => s.nextRestartMs);
    assert.deepEqual(delays.slice(0, 3), [50, 100, 200]);
    // Each restart came no sooner than its delay after the previous start (run time + delay).
    for (let i = 1; i < 4; i++) {
      const gap = spawns[i]!.at - spawns[i - 1]!.at;
      assert.ok(gap >= delays[i - 1]!, `restart ${i} after ${gap} ms, expected >= ${delays[i - 1]}`);
    }
    assert.ok(
      logs.some((l) => l === 'fixture crashing'),
      'child stderr is forwarded',
    );
    assert.ok(
      logs.some((l) => l.startsWith('started ')),
      'child stdout is forwarded',
    );
    assert.ok(sup.status.restarts >= 3);
    assert.equal(sup.state, 'stopped');
    for (const s of spawns) assert.equal(alive(s.pid), false);
  });

  it('resets the backoff after the child has run stably', async () => {
    const { sup, spawns, states } = harness(
      'crash',
      { backoff: { initialMs: 40, maxMs: 1000, factor: 2 }, stableAfterMs: 100 },
      { CRASH_AFTER_MS: '150' },
    );
    sup.start();
    await until(() => spawns.length >= 3);
    await sup.stop();
    const delays = states.filter((s) => s.state === 'waiting').map((s) => s.nextRestartMs);
    assert.deepEqual(delays.slice(0, 2), [40, 40]);
  });

  it('stop() asks for a graceful shutdown: SIGTERM, exit code 0, nothing left running', async () => {
    const { sup, spawns, logs, exits } = harness('graceful', { stopTimeoutMs: 5000 });
    sup.start();
    await until(() => logs.some((l) => l.startsWith('started ')));
    const started = Date.now();
    await sup.stop();
    assert.ok(Date.now() - started < 2000, 'did not wait for the kill timeout');
    assert.ok(logs.includes('got SIGTERM, shutting down'));
    assert.deepEqual(exits, [{ code: 0, signal: null }]);
    assert.equal(spawns.length, 1, 'not restarted after a requested stop');
    assert.equal(alive(spawns[0]!.pid), false);
    assert.equal(sup.state, 'stopped');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(spawns.length, 1);
  });

  it('kills a child that ignores SIGTERM once the timeout passes', async () => {
    const { sup, spawns, logs, exits } = harness('stubborn', { stopTimeoutMs: 300 });
    sup.start();
    await until(() => logs.some((l) => l.startsWith('started ')));
    const started = Date.now();
    await sup.stop();
    const took = Date.now() - started;
    assert.ok(took >= 300, `stop() returned after ${took} ms, before the timeout`);
    assert.ok(logs.includes('ignoring SIGTERM'), 'SIGTERM was sent first');
    assert.deepEqual(exits, [{ code: null, signal: 'SIGKILL' }]);
    assert.equal(alive(spawns[0]!.pid), false);
    assert.equal(spawns.length, 1);
  });

  it('pause() stops the child without restarting; resume() starts a new one', async () => {
    const { sup, spawns, logs } = harness('graceful', { backoff: { initialMs: 20 } });
    sup.start();
    await until(() => logs.some((l) => l.startsWith('started ')));
    await sup.pause();
    assert.equal(sup.state, 'paused');
    assert.equal(alive(spawns[0]!.pid), false);
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(spawns.length, 1, 'a paused server is not restarted');
    sup.resume();
    assert.equal(sup.state, 'running');
    await until(() => logs.filter((l) => l.startsWith('started ')).length === 2);
    assert.equal(spawns.length, 2);
    assert.ok(alive(spawns[1]!.pid));
    await sup.stop();
    assert.equal(alive(spawns[1]!.pid), false);
  });

  it('pausing while a restart is pending cancels it', async () => {
    const { sup, spawns } = harness('crash', { backoff: { initialMs: 300 } });
    sup.start();
    await until(() => sup.state === 'waiting');
    await sup.pause();
    await new Promise((r) => setTimeout(r, 450));
    assert.equal(spawns.length, 1);
    assert.equal(sup.state, 'paused');
  });
});
