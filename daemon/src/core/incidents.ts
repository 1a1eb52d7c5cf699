/**
 * Outside faults (bluetoothd restart, audio server restart, USB card or dongle pulled) are
 * normal. Each is noted at info when seen, and logged ONCE at warn when it is over, with what
 * the controller did to recover and how long it took: one line per fault, not one per pass.
 */
import type { Logger } from 'pino';
import type { Action } from './model.js';

export interface Conditions {
  bluetoothUp: boolean;
  audioUp: boolean;
  inputPresent: boolean;
  adapters: string[];
}

interface Incident {
  since: number;
  what: string;
  actions: string[];
}

function describe(action: Action, nameOf: (address: string) => string): string | null {
  switch (action.kind) {
    case 'connect':
      return `reconnected ${nameOf(action.address)}`;
    case 'power-adapter':
      return `powered ${action.adapter}`;
    case 'add-route':
      return `restored the route to ${nameOf(action.spec.address)}`;
    case 'set-meter':
      return action.source ? 'restarted the level meter' : null;
    case 'set-keep-awake':
      return action.addresses.length ? 'restarted keep-awake' : null;
    default:
      return null;
  }
}

export class Incidents {
  private readonly open = new Map<string, Incident>();
  private readonly knownAdapters = new Set<string>();
  private firstLook = true;

  /** compares the current conditions with the open incidents; opens new ones */
  observe(c: Conditions, now: number, log: Logger): void {
    const gone = (what: string, verb: string): string => (this.firstLook ? `${what} was not there at start` : `${what} ${verb}`);
    this.check('bluetoothd', !c.bluetoothUp, gone('bluetoothd', 'went away'), now, log);
    this.check('audio-server', !c.audioUp, gone('the audio server', 'went away'), now, log);
    this.check('input', c.audioUp && !c.inputPresent, gone('the USB sound card (input)', 'disappeared'), now, log);
    this.firstLook = false;
    if (c.bluetoothUp) {
      for (const id of this.knownAdapters) this.check(`adapter:${id}`, !c.adapters.includes(id), `Bluetooth adapter ${id} disappeared`, now, log);
      for (const id of c.adapters) this.knownAdapters.add(id);
    }
  }

  /** what the pass did, credited to every open incident */
  note(action: Action, nameOf: (address: string) => string = (a) => a): void {
    const text = describe(action, nameOf);
    if (!text) return;
    for (const incident of this.open.values()) if (!incident.actions.includes(text)) incident.actions.push(text);
  }

  /** closes the incidents whose fault is gone once the world has converged */
  settle(c: Conditions, converged: boolean, now: number, log: Logger): void {
    if (!converged) return;
    for (const [key, incident] of this.open) {
      if (this.stillFaulty(key, c)) continue;
      this.open.delete(key);
      const done = incident.actions.length ? incident.actions.join(', ') : 'nothing needed';
      log.warn({ fault: key, downForMs: now - incident.since, actions: incident.actions }, `recovered: ${incident.what}; ${done}`);
    }
  }

  get openCount(): number {
    return this.open.size;
  }

  private stillFaulty(key: string, c: Conditions): boolean {
    if (key === 'bluetoothd') return !c.bluetoothUp;
    if (key === 'audio-server') return !c.audioUp;
    if (key === 'input') return !c.inputPresent;
    if (key.startsWith('adapter:')) return !c.bluetoothUp || !c.adapters.includes(key.slice('adapter:'.length));
    return false;
  }

  private check(key: string, faulty: boolean, what: string, now: number, log: Logger): void {
    if (!faulty || this.open.has(key)) return;
    this.open.set(key, { since: now, what, actions: [] });
    log.info({ fault: key }, `${what}; recovering`);
  }
}
