// The store is the only door to MongoDB (docs/ARCHITECTURE.md §0, §2): no file of the server or
// the Electron shell outside server/store/ imports the driver or names a collection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCANNED = ['server', 'main'];
const STORE = 'server/store/';
const SOURCE = /\.(?:[cm]?ts|[cm]?js)$/;

/** `from 'mongodb'` (type-only too), `import 'mongodb'`, `import('mongodb')`, `require('mongodb')`,
 * and the driver's subpaths; not packages merely named alike (mongodb-memory-server). */
const DRIVER = /(?:\bfrom|\bimport|\brequire\s*\()\s*\(?\s*['"]mongodb(?:\/[^'"]*)?['"]/g;
/** `x.collection('name')` and `x.collection<Doc>('name')`. */
const COLLECTION = /\.\s*collection\s*[<(]/g;

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : sources(path);
    return SOURCE.test(e.name) ? [path] : [];
  });
}

/** What in `text` opens MongoDB, as `line N: match`. */
function doors(text: string): string[] {
  const found: string[] = [];
  for (const re of [DRIVER, COLLECTION]) {
    for (const m of text.matchAll(re)) {
      const line = text.slice(0, m.index).split('\n').length;
      found.push(`line ${line}: ${m[0]}`);
    }
  }
  return found;
}

test('the scanner sees every way in: type-only and dynamic imports, typed collections', () => {
  const sample = [
    "import type { Db } from 'mongodb';",
    "import { ObjectId } from 'mongodb/lib/bson';",
    "const m = await import('mongodb');",
    "const c = require('mongodb');",
    "import 'mongodb';",
    "const coll = db.collection<Doc>('users');",
    'const other = db . collection (name);',
  ].join('\n');
  assert.equal(doors(sample).length, 7, doors(sample).join('\n'));
  assert.deepEqual(
    doors("import { MongoMemoryReplSet } from 'mongodb-memory-server';\nconst c = collectionOf(x);"),
    [],
  );
});

test('no file outside server/store/ imports the MongoDB driver or names a collection', () => {
  const files = SCANNED.flatMap(sources);
  assert.ok(
    files.includes('server/server.ts') && files.includes('server/imap/session.ts'),
    'the scan reaches the server',
  );
  const offenders: string[] = [];
  for (const file of files) {
    if (file.startsWith(STORE)) continue;
    for (const d of doors(readFileSync(join(ROOT, file), 'utf8'))) offenders.push(`${file} ${d}`);
  }
  assert.deepEqual(offenders, [], 'only server/store/ may reach MongoDB');
});
