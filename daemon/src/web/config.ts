import type { Logger } from 'pino';
import type { BluelineApi } from '../core/api.js';

export interface WebConfig {
  /** address to listen on ('0.0.0.0', '::', '127.0.0.1'); main.ts does the listening */
  bind: string;
  /** 0 = any free port */
  port: number;
  /** the device's name; `NAME` and `NAME.local` are accepted Host headers */
  hostname: string;
  /** more Host names to accept (a reverse proxy name, a DNS name the user gave the Pi) */
  allowedHosts: string[];
  /** password hash and sessions (state dir), written 0600 */
  authFile: string;
  /** when this file exists at start (boot partition), the password is cleared and the file deleted */
  resetFile: string | null;
  /** built web-ui assets (dist/web-ui); null or missing: API only */
  webRoot: string | null;
  version: string;
}

export interface RecentLogs {
  recent(lines: number): object[];
}

export interface WebDeps {
  api: BluelineApi;
  logger: Logger;
  logs: RecentLogs;
  config: WebConfig;
}
