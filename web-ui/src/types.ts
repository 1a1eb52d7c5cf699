// The panel reads the daemon's own view types (type-only imports: nothing of the daemon is bundled).
export type { BluelineEvent, InputView, Mode, Problem, Settings, SpeakerPhase, SpeakerView, StatusView } from '../../daemon/src/core/api.js';
export type { AgentPrompt, CodecInfo } from '../../daemon/src/core/ports.js';

export interface SessionInfo {
  authenticated: boolean;
  setupRequired: boolean;
  setupAllowed: boolean;
}
