import { homedir, platform } from 'node:os';
import { join } from 'node:path';

/** The platform's per-user application-data folder for Nestbox. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const home = homedir();
  switch (platform()) {
    case 'darwin':
      return join(home, 'Library', 'Application Support', 'nestbox');
    case 'win32':
      return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'nestbox');
    default:
      return join(env.XDG_DATA_HOME || join(home, '.local', 'share'), 'nestbox');
  }
}
