export { loadConfig, ConfigError, SAVED_SETTINGS_FILE, type LoadOptions } from './load.ts';
export { configSchema, SERVICE_NAMES, type Config, type ServiceName } from './schema.ts';
export { SETTINGS } from './settings.ts';
export { defaultDataDir } from './paths.ts';
