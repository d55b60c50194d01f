// What the command line prints for an error: one line that says what went wrong and what to do.
// Errors are recognised by name and code so this file loads nothing heavy (see help.ts).
import { SETTINGS } from './config/settings.ts';

interface SystemError extends Error {
  code?: string;
  syscall?: string;
  address?: string;
  port?: number;
  path?: string;
}

/** Errors whose message already says what to do. */
const SELF_EXPLAINING = new Set(['UserError', 'ConfigError', 'BackendError']);

/** The flag and variable that set the port a listener failed on, when the config names it. */
function portSetting(port: number | undefined, ports: Record<string, number> | undefined): string {
  if (port === undefined || !ports) return '';
  const spec = SETTINGS.find((s) => s.path[0] === 'ports' && ports[s.path[1]!] === port);
  return spec ? ` (--${spec.flag} / ${spec.env})` : '';
}

export function explain(err: unknown, ports?: Record<string, number>): string {
  if (!(err instanceof Error)) return String(err);
  if (SELF_EXPLAINING.has(err.name)) return err.message.split('\n')[0]!;
  const e = err as SystemError;
  const where = `${e.address ?? ''}:${e.port ?? ''}`;
  if (e.syscall === 'listen' || e.syscall === 'bind') {
    const setting = portSetting(e.port, ports);
    if (e.code === 'EADDRINUSE')
      return `${where} is already in use (another Nestbox, or another program): stop it, or choose another port${setting}`;
    if (e.code === 'EACCES')
      return `${where} needs privileges (ports below 1024): choose a port above 1023${setting}, or let Node bind low ports (setcap cap_net_bind_service)`;
    if (e.code === 'EADDRNOTAVAIL')
      return `${where}: ${e.address} is not an address of this machine: set --host / NESTBOX_HOST or --api-host / NESTBOX_API_HOST to one of its addresses, or 0.0.0.0`;
  }
  if (e.path && (e.code === 'ENOENT' || e.code === 'EACCES' || e.code === 'EISDIR' || e.code === 'ENOTDIR')) {
    const why = {
      ENOENT: 'no such file or folder',
      EACCES: 'permission denied',
      EISDIR: 'it is a folder',
      ENOTDIR: 'a part of the path is not a folder',
    }[e.code];
    return `cannot ${e.syscall ?? 'open'} ${e.path}: ${why}; check the path`;
  }
  return `${err.message.split('\n')[0]} (run again with --debug for the full trace)`;
}
