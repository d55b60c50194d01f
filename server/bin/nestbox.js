#!/usr/bin/env node
// The `nestbox` command from a source checkout: runs server/cli.ts through tsx.
// Packaged builds run the compiled dist/server/cli.js directly.
import { register } from 'tsx/esm/api';

register();
await import('../cli.ts');
