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

const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], {
  stdio: 'inherit',
  env: { ...process.env, MONGODB_URI: services.mongodbUri, REDIS_URL: services.redisUrl, NESTBOX_TEST: '1' },
});
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => child.kill(sig));
}
const code = await new Promise<number>((res) => child.on('exit', (c, s) => res(c ?? (s ? 1 : 0))));
await stop();
process.exit(code);
