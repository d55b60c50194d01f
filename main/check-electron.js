// `npm start` runs this first: without the Electron binary (installed with
// ELECTRON_SKIP_BINARY_DOWNLOAD=1, or its download failed) say so in one line and how to go on,
// instead of Electron's own advice to reinstall node_modules.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let binary;
try {
  binary = require('electron');
} catch {
  binary = undefined;
}
if (typeof binary !== 'string' || !existsSync(binary)) {
  process.stderr.write(
    'nestbox: the Electron binary is not installed: run `node node_modules/electron/install.js` where ' +
      'it can be downloaded, or run without the window: `npm run serve`\n',
  );
  process.exit(1);
}
