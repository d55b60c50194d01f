// The README's commands are what a new user copies first: they must work as written.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureAdminToken } from '../../server/admin-token.ts';
import { defaultDataDir } from '../../server/config/paths.ts';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const scratch = mkdtempSync(join(tmpdir(), 'nestbox-readme-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

test("the README's admin-token command reads the token serve wrote, with and without NESTBOX_DATA_DIR", () => {
  const line = README.split('\n').find((l) => l.startsWith('TOKEN=$('));
  assert.ok(line, 'the README shows how to read the admin token');
  const home = join(scratch, 'home');
  const run = (env: Record<string, string>) =>
    execFileSync('/bin/sh', ['-c', `${line}\nprintf %s "$TOKEN"`], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, ...env },
      encoding: 'utf8',
    });

  const custom = join(scratch, 'custom-data');
  mkdirSync(custom);
  const written = ensureAdminToken(custom).token; // as `serve` does on its first start
  assert.equal(run({ NESTBOX_DATA_DIR: custom }), written);

  // without it, the folder the server picks on Linux: $XDG_DATA_HOME/nestbox, else ~/.local/share/nestbox
  const xdg = join(scratch, 'xdg');
  assert.equal(defaultDataDir({ XDG_DATA_HOME: xdg }), join(xdg, 'nestbox'));
  mkdirSync(join(xdg, 'nestbox'), { recursive: true });
  const inXdg = ensureAdminToken(join(xdg, 'nestbox')).token;
  assert.equal(run({ XDG_DATA_HOME: xdg }), inXdg);
  assert.equal(defaultDataDir({}), join(homedir(), '.local', 'share', 'nestbox'));
  const fallback = join(home, '.local', 'share', 'nestbox');
  mkdirSync(fallback, { recursive: true });
  const inHome = ensureAdminToken(fallback).token;
  assert.equal(run({}), inHome);
});
