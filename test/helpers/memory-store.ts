/** An in-memory StateStore for tests: validates like the real one and records every write. */
import { Value } from '@sinclair/typebox/value';
import { defaultState, PersistedStateSchema, type PersistedState, type StateStore } from '../../daemon/src/config/state-schema.js';

export class MemoryStore implements StateStore {
  readonly writes: PersistedState[] = [];
  private state: PersistedState;
  /** make the next write fail (disk full) */
  failNext = false;

  constructor(initial: PersistedState = defaultState()) {
    this.state = structuredClone(initial);
  }

  read(): PersistedState {
    return structuredClone(this.state);
  }

  async write(state: PersistedState): Promise<void> {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('ENOSPC: no space left on device');
    }
    if (!Value.Check(PersistedStateSchema, state)) throw new Error('invalid state');
    this.state = structuredClone(state);
    this.writes.push(structuredClone(state));
  }
}
