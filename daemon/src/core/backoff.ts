/**
 * Reconnect policy per speaker: exponential backoff capped (default 30 s) so an absent
 * speaker does not flood the 2.4 GHz band, and a clear line between "try again later"
 * (off, out of range, server busy) and "the speaker said no" (needs the user).
 */
import { toBluelineError, type BluelineError } from './errors.js';
import type { Policy, SpeakerRuntime } from './model.js';

export function backoffDelay(attempts: number, policy: Pick<Policy, 'backoffBaseMs' | 'backoffCapMs'>): number {
  if (attempts <= 0) return 0;
  return Math.min(policy.backoffCapMs, policy.backoffBaseMs * 2 ** Math.min(attempts - 1, 20));
}

/** refused = retrying cannot help until the user acts (re-pair, put the speaker in pairing mode) */
export function isTerminal(error: BluelineError): boolean {
  return error.code === 'refused';
}

export function recordSuccess(rt: SpeakerRuntime): void {
  rt.attempts = 0;
  rt.nextRetryAt = null;
  rt.lastError = null;
  rt.refused = false;
}

/**
 * The speaker's link came up without audio (it switched on, or our own page reached it): it is
 * in reach, so the next attempt need not wait, and a refusal may be over. The count of failed
 * attempts stays, so a profile that keeps failing still backs off.
 */
export function recordReachable(rt: SpeakerRuntime): void {
  rt.nextRetryAt = null;
  rt.refused = false;
}

/**
 * A connect call that returned without error. It only counts once its effect is seen (the sink
 * present: observe.ts resets the backoff then), so a call that "succeeds" without audio (BlueZ
 * answering for a profile it thinks is up) is retried with backoff, not on every pass.
 */
export function recordAttempt(rt: SpeakerRuntime, now: number, policy: Policy): void {
  rt.lastError = null;
  rt.refused = false;
  rt.attempts += 1;
  rt.nextRetryAt = now + backoffDelay(rt.attempts, policy);
}

/** returns the error as a BluelineError, with the runtime updated for the next attempt */
export function recordFailure(rt: SpeakerRuntime, e: unknown, now: number, policy: Policy): BluelineError {
  const error = toBluelineError(e, 'Connecting to the speaker failed');
  rt.lastError = error.reason;
  if (isTerminal(error)) {
    rt.refused = true;
    rt.nextRetryAt = null;
    return error;
  }
  rt.attempts += 1;
  rt.nextRetryAt = now + backoffDelay(rt.attempts, policy);
  return error;
}
