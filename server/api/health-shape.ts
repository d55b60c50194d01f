// The body of GET /health, as the server writes it (api/health.ts) and the Electron shell
// (main/lifecycle.ts) and the dashboard (renderer/src/lib/types.ts) read it. Types only.

export interface ServiceStatus {
  listening?: boolean;
  host: string;
  port: number;
  /** 'none' | 'starttls' | 'implicit' (older servers: true/false). */
  tls: boolean | string;
}

export interface Health {
  success: boolean;
  mongodb?: string;
  redis?: string;
  uptime?: number;
  /** 'embedded' or 'external'. */
  backend?: string;
  services?: Record<string, ServiceStatus>;
  error?: string;
  code?: string;
}
