// fetch() against the daemon's JSON API. Errors carry the daemon's plain-language message.
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly field?: string) {
    super(message);
  }
}

let onUnauthorized: () => void = () => {};
export function whenUnauthorized(fn: () => void): void {
  onUnauthorized = fn;
}

export async function call<T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: object): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      credentials: 'same-origin',
      headers: body ? { 'content-type': 'application/json' } : {},
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
  } catch {
    throw new ApiError(0, 'offline', 'blueline is not answering; check that it is powered and on the network');
  }
  const text = await res.text();
  let data: unknown;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined; // not ours (a proxy's error page): the status says enough
  }
  if (res.ok) return data as T;
  const err = (data ?? {}) as { error?: string; message?: string; field?: string };
  if (res.status === 401 && !url.endsWith('/login')) onUnauthorized();
  throw new ApiError(res.status, err.error ?? 'failed', err.message ?? `request failed (${res.status})`, err.field);
}

export const speakerUrl = (address: string, tail = '') => `/api/speakers/${encodeURIComponent(address)}${tail}`;
