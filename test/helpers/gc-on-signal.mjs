// Preloaded into a server child process (NODE_OPTIONS=--import …) by memory tests: SIGUSR2 runs a
// full garbage collection, so the test can read the process's RSS without collectable garbage.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');
process.on('SIGUSR2', () => {
  gc();
  gc();
  process.stderr.write('gc-done\n');
});
