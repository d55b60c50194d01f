// The API's shapes as the dashboard uses them (WildDuck-compatible where WildDuck has the route).

export type { Health, ServiceStatus } from '../../../server/api/health-shape.ts';

/** Messages delivered, per door (GET /stats/deliveries). */
export interface DeliveryCounts {
  lmtp: number;
  imap: number;
  api: number;
  total: number;
}

export interface DeliveryStats {
  total: DeliveryCounts;
  today: DeliveryCounts;
  perMinute: Array<DeliveryCounts & { start: number }>;
}

export interface Quota {
  allowed: number;
  used: number;
}

export interface UserSummary {
  id: string;
  username: string;
  name?: string;
  address?: string;
  quota?: Quota;
  disabled?: boolean;
}

export interface UserDetails extends UserSummary {
  created?: string;
}

export interface UserList {
  total: number;
  results: UserSummary[];
  nextCursor?: string | false | null;
}

export interface NewUser {
  username: string;
  password: string;
  address?: string;
  name?: string;
  quota?: number;
}

export interface UserChanges {
  name?: string;
  password?: string;
  quota?: number;
  disabled?: boolean;
}

export interface Address {
  id?: string;
  address: string;
  main?: boolean;
  created?: string;
}

export interface Mailbox {
  id: string;
  name: string;
  path: string;
  specialUse?: string | null;
  subscribed?: boolean;
  modifyIndex?: number;
  total?: number;
  unseen?: number;
  size?: number;
}

export interface AppPassword {
  id: string;
  description: string;
  scopes: string[];
  /** The API sends `false` for "never used". */
  lastUse?: { time?: string | false | null; event?: string | false } | null;
  created?: string;
}

export interface NewAppPassword {
  id: string;
  /** Shown once; the server keeps only a hash. */
  password: string;
}

export interface SettingEntry {
  key: string;
  value: unknown;
  kind: 'string' | 'number' | 'boolean' | 'list' | 'other';
  help?: string;
  restartRequired: boolean;
  readOnly: boolean;
  /** Never shown (the admin token) or shown with credentials removed (URIs): typing replaces it. */
  secret?: boolean;
  /** The environment variable that sets it (and wins over the saved file). */
  env?: string;
  /** Where the value came from: default, file, env or flag (older servers: free text). */
  source?: string;
  /** The file, environment variable or flag it came from. */
  sourceName?: string;
  /** An environment variable or flag wins over a value saved in the settings file. */
  overridesSaved?: boolean;
  /** Whether a secret has a value (its value itself is not sent). */
  isSet?: boolean;
}

export interface SaveSettingsResult {
  /** Keys whose new value takes effect only after a restart. */
  restartRequired: string[];
}
