// `npm test` after typecheck and lint: start FerretDB + Redis (unless MONGODB_URI / REDIS_URL are set),
// run every test/**/*.test.ts with Node's test runner, and always stop what was started.
// Arguments narrow the run: `npx tsx test/run.ts test/mime` runs only the files under test/mime.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startTestServices } from './helpers/test-services.ts';

function findTests(path: string): string[] {
  if (statSync(path).isFile()) return path.endsWith('.test.ts') ? [path] : [];
  return readdirSync(path)
    .filter((name) => name !== 'node_modules' && name !== 'fixtures')
    .sort()
    .flatMap((name) => findTests(join(path, name)));
}

const roots = process.argv.slice(2);
const files = (roots.length ? roots : ['test']).flatMap((r) => findTests(resolve(r)));
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}

const services = await startTestServices();
let stopping: Promise<void> | undefined;
const stop = () => (stopping ??= services.stop());

// A test that never ends fails by itself after TEST_TIMEOUT_MS; a test file whose process never
// exits (a handle left open) prints nothing more, so the run stops after QUIET_LIMIT_MS of silence
// instead of waiting for ever.
const TEST_TIMEOUT_MS = 10 * 60_000;
const QUIET_LIMIT_MS = Number(process.env.TEST_QUIET_LIMIT_MS) || 12 * 60_000;
const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', `--test-timeout=${TEST_TIMEOUT_MS}`, ...files],
  {
    stdio: ['inherit', 'pipe', 'pipe'],
    // its own process group, so that stopping it stops the test files' processes too
    detached: true,
    env: {
      ...process.env,
      MONGODB_URI: services.mongodbUri,
      REDIS_URL: services.redisUrl,
      NESTBOX_TEST: '1',
    },
  },
);
let lastOutput = Date.now();
child.stdout.on('data', (chunk: Buffer) => {
  lastOutput = Date.now();
  process.stdout.write(chunk);
});
child.stderr.on('data', (chunk: Buffer) => {
  lastOutput = Date.now();
  process.stderr.write(chunk);
});
let silenced = false;
const watchdog = setInterval(() => {
  if (Date.now() - lastOutput < QUIET_LIMIT_MS) return;
  silenced = true;
  console.error(
    `\ntest/run.ts: no test output for ${Math.round(QUIET_LIMIT_MS / 1000)} s; a test file did not end ` +
      '(see the last file above): stopping the run',
  );
  killAll('SIGKILL');
}, 10_000);
function killAll(sig: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, sig);
  } catch {
    // already gone
  }
}
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => killAll(sig));
}
const code = await new Promise<number>((res) => child.on('exit', (c, s) => res(c ?? (s ? 1 : 0))));
clearInterval(watchdog);
await stop();
process.exit(silenced ? 1 : code);
