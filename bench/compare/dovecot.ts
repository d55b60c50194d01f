// A private Dovecot for the side-by-side bench: its config generated from bench/dovecot/dovecot.conf.in
// into a temporary folder, with its own base_dir, users in a passwd-file, maildir under the same
// folder, IMAP, POP3 and LMTP on free loopback ports. stop() ends it and removes the folder.
import { spawn, execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, waitForPort } from '../../test/helpers/test-services.ts';
import { childrenOf, stopChild } from './procs.ts';

const TEMPLATE = fileURLToPath(new URL('../dovecot/dovecot.conf.in', import.meta.url));
const DOVECOT_BIN = process.env.DOVECOT_BIN ?? '/usr/sbin/dovecot';

export interface DovecotUser {
  name: string;
  /** A crypt(3) hash, e.g. bcrypt's `$2b$…`, used with Dovecot's BLF-CRYPT scheme. */
  bcryptHash: string;
}

export interface Dovecot {
  ports: { imap: number; pop3: number; lmtp: number };
  masterPid: number;
  /** The folder that holds a user's INBOX (maildir). */
  maildir(user: string): string;
  /**
   * Writes `count` messages as maildir files straight into `user`'s INBOX (cur/, with the S= and W=
   * sizes in their names as Dovecot writes them), for Dovecot to index on its first SELECT.
   */
  fillInbox(user: string, count: number, make: (n: number) => Buffer, seen: (n: number) => boolean): number;
  /** The running imap processes (one per IMAP connection in this process model). */
  imapPids(): number[];
  log(): string;
  stop(): Promise<void>;
}

function idOf(flag: '-u' | '-g', name: string): number {
  return Number(execFileSync('id', [flag, name], { encoding: 'utf8' }).trim());
}

export async function startDovecot(users: DovecotUser[]): Promise<Dovecot> {
  const root = mkdtempSync(join(tmpdir(), 'nestbox-dovecot-'));
  chmodSync(root, 0o755); // the mail and login users traverse it
  const asRoot = process.getuid?.() === 0;
  const me = userInfo();
  const mailUid = asRoot ? idOf('-u', 'nobody') : me.uid;
  const mailGid = asRoot ? idOf('-g', 'nobody') : me.gid;
  const group = asRoot ? 'dovecot' : execFileSync('id', ['-gn'], { encoding: 'utf8' }).trim();
  let child: ReturnType<typeof spawn> | null = null;
  let out = '';
  const stop = async () => {
    if (child) await stopChild(child);
    rmSync(root, { recursive: true, force: true });
  };
  try {
    for (const d of ['mail', 'home']) {
      mkdirSync(join(root, d));
      chownTree(join(root, d), mailUid, mailGid);
    }
    writeFileSync(join(root, 'users'), users.map((u) => `${u.name}:{BLF-CRYPT}${u.bcryptHash}\n`).join(''));
    const ports = { imap: await freePort(), pop3: await freePort(), lmtp: await freePort() };
    const vars: Record<string, string> = {
      ROOT: root,
      ID: String(process.pid),
      INTERNAL_USER: asRoot ? 'dovecot' : me.username,
      INTERNAL_GROUP: group,
      LOGIN_USER: asRoot ? 'dovenull' : me.username,
      // chroot needs root; without it the login processes run in place
      LOGIN_CHROOT: asRoot ? '' : 'chroot =',
      MAIL_UID: String(mailUid),
      MAIL_GID: String(mailGid),
      NPROC: String(availableParallelism()),
      IMAP_PORT: String(ports.imap),
      POP3_PORT: String(ports.pop3),
      LMTP_PORT: String(ports.lmtp),
    };
    const conf = readFileSync(TEMPLATE, 'utf8').replace(/\{\{(\w+)\}\}/g, (_, k: string) => {
      if (!(k in vars)) throw new Error(`dovecot.conf.in: unknown placeholder ${k}`);
      return vars[k]!;
    });
    const confFile = join(root, 'dovecot.conf');
    writeFileSync(confFile, conf);
    child = spawn(DOVECOT_BIN, ['-F', '-c', confFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    try {
      for (const p of Object.values(ports)) await waitForPort(p, 20_000, child);
    } catch (err) {
      throw new Error(`Dovecot did not start: ${(err as Error).message}\n${out}${readLog(root)}`);
    }
    const masterPid = child.pid!;
    return {
      ports,
      masterPid,
      maildir: (user) => join(root, 'mail', user),
      fillInbox(user, count, make, seen) {
        const dir = join(root, 'mail', user);
        for (const d of ['cur', 'new', 'tmp']) mkdirSync(join(dir, d), { recursive: true });
        const base = Math.floor(Date.now() / 1000);
        for (let n = 0; n < count; n++) {
          // Dovecot keeps maildir files with LF line ends; W= is the size with CRLF (RFC 822 size)
          const lf = Buffer.from(make(n).toString('latin1').replace(/\r\n/g, '\n'), 'latin1');
          let lines = 0;
          for (let i = lf.indexOf(10); i >= 0; i = lf.indexOf(10, i + 1)) lines++;
          const name = `${base}.M${n}P${process.pid}.bench.test,S=${lf.length},W=${lf.length + lines}:2,${seen(n) ? 'S' : ''}`;
          writeFileSync(join(dir, 'cur', name), lf);
        }
        chownTree(dir, mailUid, mailGid);
        return count;
      },
      imapPids: () => childrenOf(masterPid, 'imap'),
      log: () => out + readLog(root),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

function chownTree(dir: string, uid: number, gid: number): void {
  if (process.getuid?.() !== 0) return;
  execFileSync('chown', ['-R', `${uid}:${gid}`, dir]);
}

function readLog(root: string): string {
  try {
    return readFileSync(join(root, 'dovecot.log'), 'utf8');
  } catch {
    return '';
  }
}
