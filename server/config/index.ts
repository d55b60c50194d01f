export {
  loadConfig,
  ConfigError,
  SAVED_SETTINGS_FILE,
  settingSource,
  type LoadOptions,
  type SettingSource,
} from './load.ts';
export { configSchema, SERVICE_NAMES, type Config, type ServiceName } from './schema.ts';
export { SETTINGS } from './settings.ts';
export { defaultDataDir } from './paths.ts';
