// `npm run bench`: runs every bench/*.bench.ts against real back ends (FerretDB + Redis started
// like the tests', or MONGODB_URI / REDIS_URL) and prints figures. Never fails on a number.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { startTestServices } from '../test/helpers/test-services.ts';

const dir = fileURLToPath(new URL('.', import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

const services = await startTestServices();
let failed = 0;
try {
  for (const file of files) {
    console.log(`\n== ${file}`);
    const code = await new Promise<number>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', '--expose-gc', join(dir, file)], {
        stdio: 'inherit',
        env: { ...process.env, MONGODB_URI: services.mongodbUri, REDIS_URL: services.redisUrl },
      });
      child.on('exit', (c) => resolve(c ?? 1));
    });
    if (code !== 0) failed += 1;
  }
} finally {
  await services.stop();
}
process.exit(failed ? 1 : 0);
