// GET /settings says where each value came from (default, file, environment, flag), whether an
// environment variable overrides a value saved in <data>/config.json, and whether a secret is set.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startApi, type ApiEnv } from './_setup.ts';

let env: ApiEnv;
before(async () => {
  env = await startApi();
});
after(() => env?.stop());

interface Setting {
  key: string;
  source: string;
  sourceName?: string;
  overridesSaved: boolean;
  isSet: boolean;
}

const settings = async () => {
  const r = await env.admin.get('/settings');
  assert.equal(r.status, 200, r.text);
  return new Map((r.body.settings as Setting[]).map((s) => [s.key, s]));
};

test('each setting names its source; an environment variable over a saved value is flagged', async () => {
  let s = await settings();
  assert.deepEqual(
    {
      source: s.get('apiHost')!.source,
      name: s.get('apiHost')!.sourceName,
      over: s.get('apiHost')!.overridesSaved,
    },
    { source: 'env', name: 'NESTBOX_API_HOST', over: false },
  );
  assert.equal(s.get('logMaxFiles')!.source, 'default');
  assert.equal(s.get('relayUrl')!.isSet, false, 'no relay configured');
  assert.equal(s.get('adminToken')!.isSet, true);

  // what the Settings page saves goes to <data>/config.json, where the environment still wins
  writeFileSync(join(env.srv.dataDir, 'config.json'), JSON.stringify({ apiHost: '0.0.0.0', logMaxFiles: 3 }));
  s = await settings();
  assert.equal(s.get('apiHost')!.overridesSaved, true);
  assert.equal(s.get('logMaxFiles')!.overridesSaved, false, 'nothing overrides a value only the file sets');
});
