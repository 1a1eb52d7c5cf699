/**
 * The one error catalog of blueline. Every failure that reaches a user (panel, log, STATUS=)
 * is a BluelineError with a machine code and a plain-language `reason` the user can act on.
 * The web layer maps `code` to an HTTP status (see httpStatusFor); nothing else should.
 */
export type ErrorCode =
  /** input that can never be valid (malformed address, out-of-range value) */
  | 'invalid'
  /** the thing named does not exist (unknown speaker, adapter gone) */
  | 'not-found'
  /** the request clashes with what is happening (pairing while pairing) */
  | 'conflict'
  /** a server we depend on is down (bluetoothd, audio server) */
  | 'unavailable'
  /** the speaker is off or out of range: worth retrying later */
  | 'unreachable'
  /** the speaker said no (pairing refused, wrong PIN): retrying will not help until the user acts */
  | 'refused'
  /** the operation is already under way */
  | 'busy'
  /** a call got no answer in time */
  | 'timeout'
  /** the speaker or server does not support it (codec the speaker lacks) */
  | 'unsupported'
  /** anything else */
  | 'failed';

export class BluelineError extends Error {
  override readonly name = 'BluelineError';
  constructor(
    readonly code: ErrorCode,
    /** plain language, addressed to the user: what happened and what to do */
    readonly reason: string,
    options?: { cause?: unknown; detail?: string },
  ) {
    super(options?.detail ? `${reason} (${options.detail})` : reason, { cause: options?.cause });
  }
}

export function isBluelineError(e: unknown, code?: ErrorCode): e is BluelineError {
  return e instanceof BluelineError && (code === undefined || e.code === code);
}

/** Wraps anything thrown into a BluelineError, keeping the original as cause. */
export function toBluelineError(e: unknown, fallbackReason = 'something went wrong'): BluelineError {
  if (e instanceof BluelineError) return e;
  const detail = e instanceof Error ? e.message : String(e);
  return new BluelineError('failed', fallbackReason, { cause: e, detail });
}

/**
 * 4xx for everything the user or the speaker can change (a refused pairing, a speaker that is
 * off); 5xx only when blueline or a server it depends on failed.
 */
export function httpStatusFor(code: ErrorCode): number {
  switch (code) {
    case 'invalid':
      return 400;
    case 'not-found':
      return 404;
    case 'conflict':
    case 'busy':
      return 409;
    case 'unsupported':
    case 'refused':
      return 422;
    case 'unreachable':
      return 424;
    case 'unavailable':
      return 503;
    case 'timeout':
      return 504;
    case 'failed':
      return 502;
  }
}
