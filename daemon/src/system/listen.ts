/** A listening socket handed over by systemd socket activation (blueline.socket), if any. */
export const SD_LISTEN_FDS_START = 3;

export function systemdListenFd(env: NodeJS.ProcessEnv = process.env, pid = process.pid): number | null {
  if (Number(env['LISTEN_PID']) !== pid) return null;
  const count = Number(env['LISTEN_FDS']);
  return Number.isInteger(count) && count >= 1 ? SD_LISTEN_FDS_START : null;
}
