// A private Dovecot for differential tests: its own folder under the system's temporary folder
// (config, base_dir, state, log, mail), IMAP only, plaintext on a free loopback port, and a static
// passdb so that any user name logs in with one password. stop() ends it and removes the folder.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForPort } from './test-services.ts';

/** Debian's Dovecot, or undefined when it is not installed (tests then skip). */
export const dovecotBinary = ['/usr/sbin/dovecot', '/usr/bin/dovecot'].find(
  (p) => spawnSync(p, ['--version']).status === 0,
);

export interface DovecotSetup {
  /** `mail_location`; `{{ROOT}}` stands for the instance's folder. Default: maildir per user. */
  mailLocation?: string;
  /** Further config lines (namespaces, protocol settings). */
  config?: string[];
}

export interface TestDovecot {
  port: number;
  root: string;
  /** The password every user logs in with. */
  password: string;
  /**
   * Writes messages into `user`'s maildir INBOX (new/), owned by the mail user. Dovecot gives new
   * maildir files UIDs in the order of the time in their names, so they keep the order given.
   */
  fillMaildir(user: string, messages: Buffer[]): void;
  log(): string;
  stop(): Promise<void>;
}

const PASSWORD = 'secret';

/** Who owns the mail and runs Dovecot's processes, as Dovecot accepts it for this process. */
function accounts() {
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  // Dovecot refuses to give mail to uid 0; as root, mail is owned by nobody.
  const mailUid = uid === 0 ? 65534 : uid;
  const mailGid = uid === 0 ? 65534 : gid;
  // Dovecot's login processes must not run as root: use its own accounts when there are any.
  const account = (name: string) => (spawnSync('id', ['-u', name]).status === 0 ? name : 'nobody');
  const self = spawnSync('id', ['-un']).stdout.toString().trim();
  return {
    mailUid,
    mailGid,
    internalUser: uid === 0 ? account('dovecot') : self,
    loginUser: uid === 0 ? account('dovenull') : self,
  };
}

export async function startTestDovecot(setup: DovecotSetup = {}): Promise<TestDovecot> {
  if (!dovecotBinary) throw new Error('dovecot is not installed');
  const root = mkdtempSync(join(tmpdir(), 'nestbox-dovecot-'));
  chmodSync(root, 0o755); // the mail and login users traverse it
  const { mailUid, mailGid, internalUser, loginUser } = accounts();
  const mailRoot = join(root, 'mail');
  mkdirSync(mailRoot);
  mkdirSync(join(root, 'home'));
  for (const d of [mailRoot, join(root, 'home')]) chownSync(d, mailUid, mailGid);
  const port = await freePort();
  const mailLocation = (setup.mailLocation ?? 'maildir:{{ROOT}}/mail/%u').replaceAll('{{ROOT}}', root);
  writeFileSync(
    join(root, 'dovecot.conf'),
    [
      `base_dir = ${root}/run`,
      `state_dir = ${root}/state`,
      `log_path = ${root}/dovecot.log`,
      `instance_name = nestbox-test-${process.pid}-${port}`,
      `mail_location = ${mailLocation}`,
      'protocols = imap',
      'listen = 127.0.0.1',
      'ssl = no',
      'disable_plaintext_auth = no',
      `default_internal_user = ${internalUser}`,
      `default_login_user = ${loginUser}`,
      `passdb {\n  driver = static\n  args = password=${PASSWORD}\n}`,
      `userdb {\n  driver = static\n  args = uid=${mailUid} gid=${mailGid} home=${root}/home/%u\n}`,
      `service imap-login {\n  inet_listener imap {\n    port = ${port}\n  }\n}`,
      ...(setup.config ?? []),
      '',
    ].join('\n'),
  );
  let out = '';
  const child: ChildProcess = spawn(dovecotBinary, ['-F', '-c', join(root, 'dovecot.conf')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const log = () => {
    try {
      return out + readFileSync(join(root, 'dovecot.log'), 'utf8');
    } catch {
      return out;
    }
  };
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
    }
    // Dovecot's child processes may still be writing their last log lines.
    rmSync(root, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  };
  try {
    await waitForPort(port, 20_000, child);
  } catch (err) {
    const text = log();
    await stop();
    throw new Error(`Dovecot did not start: ${(err as Error).message}\n${text}`);
  }
  return {
    port,
    root,
    password: PASSWORD,
    fillMaildir(user, messages) {
      const maildir = join(mailRoot, user);
      const dirs = [maildir, ...['cur', 'new', 'tmp'].map((d) => join(maildir, d))];
      for (const d of dirs) {
        mkdirSync(d, { recursive: true });
        chownSync(d, mailUid, mailGid);
      }
      messages.forEach((raw, i) => {
        const file = join(maildir, 'new', `${1000000000 + i}.M${i}P1.nestbox`);
        writeFileSync(file, raw);
        chownSync(file, mailUid, mailGid);
      });
    },
    log,
    stop,
  };
}
