// Runs in the sandboxed renderer before the dashboard. Sandboxed preloads cannot be ES modules, so
// this one file is CommonJS. It exposes exactly three things: the admin token, the data folder, and
// a way to open that folder.
// eslint-disable-next-line @typescript-eslint/no-require-imports
import electron = require('electron');

/** What the dashboard finds at window.nestbox when it runs inside the desktop app. */
export interface NestboxBridge {
  adminToken(): Promise<string | null>;
  dataFolder(): Promise<string | null>;
  openDataFolder(): Promise<void>;
}

const bridge: NestboxBridge = {
  adminToken: () => electron.ipcRenderer.invoke('nestbox:admin-token'),
  dataFolder: () => electron.ipcRenderer.invoke('nestbox:data-folder'),
  openDataFolder: () => electron.ipcRenderer.invoke('nestbox:open-data-folder'),
};
electron.contextBridge.exposeInMainWorld('nestbox', bridge);
