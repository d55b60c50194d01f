// `nestbox --help`: built from the settings table only (no zod, no back ends), with every column
// padded to its longest entry so descriptions line up however long a flag or variable name grows.
import { SETTINGS } from './config/settings.ts';

/** Rows of cells → lines, each cell but the last padded to its column's widest entry. */
export function columns(rows: readonly (readonly string[])[], indent = '  '): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.slice(0, -1).forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  }
  return rows.map(
    (row) =>
      indent +
      row
        .map((cell, i) => (i < row.length - 1 ? cell.padEnd(widths[i]!) : cell))
        .join('  ')
        .trimEnd(),
  );
}

const COMMANDS: [string, string][] = [
  ['serve', 'run the enabled services (IMAP, POP3, LMTP, HTTP API + dashboard) headless'],
  ['import USER FILE', "import an mbox, or a zip of a Maildir tree, into USER's mailboxes"],
  ['', '(re-importing the same messages adds nothing)'],
  ['  --mailbox PATH', 'import everything into this mailbox'],
  ['  --format FORMAT', 'auto (default), mbox or maildir'],
  ['', '(through the running server when one uses the data folder)'],
  ['export USER MAILBOX FILE', 'write MAILBOX (path or id) of USER as an mboxrd file, flags kept'],
  ['export USER FILE.zip', 'write every mailbox of USER as a zipped Maildir++ tree'],
];

const OPTIONS: [string, string][] = [
  ['--config FILE', 'config file, TOML or JSON (env NESTBOX_CONFIG)'],
  ['--debug', 'print the full stack trace with an error'],
  ['-h, --help', 'show this help'],
  ['-v, --version', 'show the version'],
];

export function helpText(): string {
  // commands and options share one column so their descriptions start at the same place
  const twoColumn = columns([...COMMANDS, ...OPTIONS]);
  const settings = columns(SETTINGS.map((spec) => [`--${spec.flag}`, spec.env, spec.help]));
  return [
    'Usage: nestbox <command> [options]',
    '',
    'Commands:',
    ...twoColumn.slice(0, COMMANDS.length),
    '',
    'Options:',
    ...twoColumn.slice(COMMANDS.length),
    '',
    'Settings (flag, environment variable, meaning; precedence: defaults < config file < environment < flags):',
    ...settings,
    '',
  ].join('\n');
}
