/**
 * Host header allowlist against DNS rebinding: a page on evil.example whose name is made to
 * resolve to the Pi would send `Host: evil.example`, which is refused here before any route runs.
 */
import { isIP } from 'node:net';

export interface HostPolicy {
  hostname: string;
  allowedHosts: string[];
}

/** The name part of a Host header (no port, no IPv6 brackets), lower case; null when malformed. */
export function hostName(header: string | undefined): string | null {
  if (!header || header.length > 255) return null;
  const host = header.trim().toLowerCase();
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    if (end < 0) return null;
    const rest = host.slice(end + 1);
    if (rest !== '' && !/^:\d{1,5}$/.test(rest)) return null;
    const ip = host.slice(1, end);
    return isIP(ip.split('%')[0] ?? '') === 6 ? ip : null;
  }
  const m = /^([a-z0-9.-]+)(:\d{1,5})?$/.exec(host);
  return m ? (m[1] ?? null) : null;
}

export function createHostCheck(policy: HostPolicy): (header: string | undefined) => boolean {
  const names = new Set<string>(['localhost']);
  for (const n of [policy.hostname, ...policy.allowedHosts]) {
    const name = n.trim().toLowerCase().replace(/\.$/, '');
    if (!name) continue;
    names.add(name);
    if (!name.includes('.')) names.add(`${name}.local`);
  }
  return (header) => {
    const name = hostName(header);
    if (name === null) return false;
    const bare = name.replace(/\.$/, '');
    return names.has(bare) || isIP(bare.split('%')[0] ?? '') !== 0;
  };
}
