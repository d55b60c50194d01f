// The `nestbox` command: `nestbox serve` runs the enabled services headless.
// Only the settings table and the help load up front; everything heavy (zod, the back ends, the
// protocol servers) is imported by the command that needs it, so `--help` answers at once.
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SETTINGS } from './config/settings.ts';
import type { RunningServer } from './server.ts';
import { PACKAGE_VERSION } from './package-root.ts';
import { helpText } from './help.ts';
import { explain } from './cli-errors.ts';
import { UserError } from './user-error.ts';

/** The bound ports of the configuration in use, to name the setting behind a port in use. */
let configuredPorts: Record<string, number> | undefined;

async function loadConfig(flags: Record<string, string | undefined>) {
  const config = (await import('./config/load.ts')).loadConfig({ flags });
  configuredPorts = config.ports;
  return config;
}

function fail(message: string, code = 2): never {
  process.stderr.write(`nestbox: ${message}\n`);
  process.exit(code);
}

async function serve(flags: Record<string, string | undefined>): Promise<void> {
  const config = await loadConfig(flags);
  const { startServer } = await import('./server.ts');
  const state: { server?: RunningServer; stopRequested?: NodeJS.Signals; signals: number } = { signals: 0 };
  const shutdown = (sig: NodeJS.Signals, running: RunningServer) => {
    running.ctx.log.info(`${sig} received`);
    const force = setTimeout(() => {
      running.ctx.log.error('shutdown took too long; exiting');
      process.exit(1);
    }, 10_000);
    force.unref();
    running.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        running.ctx.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  // Installed before start-up: ports.json appears before startServer returns, and a signal that
  // arrives in between must still mean a graceful stop.
  const onSignal = (sig: NodeJS.Signals) => {
    state.signals += 1;
    if (state.signals > 1) {
      state.server?.ctx.log.warn(`${sig} again: exiting now`);
      process.exit(1);
    }
    if (state.server) shutdown(sig, state.server);
    else state.stopRequested = sig;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // Under Electron's utilityProcess a graceful stop arrives as a message (Windows has no SIGTERM).
  const parentPort = (process as { parentPort?: NodeJS.EventEmitter }).parentPort;
  parentPort?.on('message', (e: { data?: { type?: string } }) => {
    if (e.data?.type === 'shutdown') onSignal('SIGTERM');
  });
  state.server = await startServer(config, { buildDashboard: true });
  if (state.stopRequested) shutdown(state.stopRequested, state.server);
}

async function mailIo(
  command: string,
  args: string[],
  flags: Record<string, string | undefined>,
): Promise<void> {
  const { mailbox, format, ...settings } = flags;
  const config = await loadConfig(settings);
  const { cliImport, cliExport } = await import('./api/mail-io/cli.ts');
  if (command === 'import') {
    if (args.length !== 2)
      fail('usage: nestbox import USER FILE [--mailbox PATH] [--format auto|mbox|maildir]');
    if (format !== undefined && !['auto', 'mbox', 'maildir'].includes(format))
      fail('--format must be auto, mbox or maildir');
    if (!existsSync(args[1]!))
      throw new UserError(`cannot read ${args[1]}: no such file or folder; check the path`);
    const out = await cliImport(config, args[0]!, args[1]!, {
      ...(mailbox ? { mailbox } : {}),
      ...(format ? { format: format as 'auto' | 'mbox' | 'maildir' } : {}),
    });
    process.stdout.write(out + '\n');
  } else {
    // mbox: one mailbox; maildir: every mailbox, as a zipped Maildir++ tree
    const usage =
      'usage: nestbox export USER MAILBOX FILE.mbox | nestbox export USER FILE.zip --format maildir';
    const fmt = format ?? (args.length === 2 && args[1]!.endsWith('.zip') ? 'maildir' : 'mbox');
    if (fmt !== 'mbox' && fmt !== 'maildir') fail('--format must be mbox or maildir');
    if (fmt === 'mbox' && args.length !== 3) fail(usage);
    if (fmt === 'maildir' && args.length !== 2) fail(usage);
    const [user, mailboxKey, file] = fmt === 'mbox' ? args : [args[0], null, args[1]];
    process.stdout.write((await cliExport(config, user!, mailboxKey ?? null, file!, fmt)) + '\n');
  }
}

async function main(argv: string[]): Promise<void> {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    config: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
    version: { type: 'boolean', short: 'v' },
    debug: { type: 'boolean' },
    mailbox: { type: 'string' },
    format: { type: 'string' },
  };
  for (const spec of SETTINGS) options[spec.flag] = { type: 'string' };
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    fail(`${(err as Error).message}; run 'nestbox --help' for usage`);
  }
  const { values, positionals } = parsed;
  if (values.version) {
    process.stdout.write(`nestbox ${PACKAGE_VERSION}\n`);
    return;
  }
  const command = positionals[0];
  if (values.help || !command) {
    process.stdout.write(helpText());
    if (!command && !values.help) process.exitCode = 2;
    return;
  }
  const flags: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(values)) if (typeof v === 'string') flags[k] = v;
  switch (command) {
    case 'serve':
      return serve(flags);
    case 'import':
    case 'export':
      return mailIo(command, positionals.slice(1), flags);
    default:
      fail(`unknown command '${command}'. Run 'nestbox --help' for usage.`);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (process.argv.includes('--debug')) process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  fail(explain(err, configuredPorts), 1);
});
