/**
 * Cross-site request forgery guard: a state-changing request must name this very origin in
 * Origin (all current browsers send it on POST/PATCH/DELETE) or, failing that, in Referer.
 * Scripts (curl) must send `Origin: http://<host>` themselves; see docs/web.md.
 */
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

export function needsOriginCheck(method: string): boolean {
  return !SAFE.has(method);
}

function originHost(value: string): string | null {
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    return url.host.toLowerCase();
  } catch {
    return null;
  }
}

/** true when Origin (or, without it, Referer) points at the Host the request was sent to */
export function isSameOrigin(headers: { host?: string; origin?: string; referer?: string }): boolean {
  const host = headers.host?.trim().toLowerCase();
  if (!host) return false;
  const claimed = headers.origin !== undefined ? headers.origin : headers.referer;
  if (claimed === undefined || claimed === 'null') return false;
  const claimedHost = originHost(claimed);
  if (claimedHost === null) return false;
  // URL drops default ports: compare with the Host header's default port removed too.
  return claimedHost === host || claimedHost === host.replace(/:(80|443)$/, '');
}
