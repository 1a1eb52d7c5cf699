/**
 * A mirror of the server's sources, sinks, cards, modules and sink inputs. Server events only
 * say "look again": a burst of them is coalesced into one full re-read (the lists are small),
 * and `changed` fires after the mirror holds the new state.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { Connection } from './connection.js';
import type { DeviceEntry } from './discovery.js';
import { flattenProps, listCards, listModules, type CardInfo, type ModuleInfo } from './protocol.js';

export interface SinkInputEntry {
  index: number;
  sink: number;
  props: Record<string, string>;
}

export interface Snapshot {
  sources: DeviceEntry[];
  sinks: DeviceEntry[];
  cards: CardInfo[];
  modules: ModuleInfo[];
  sinkInputs: SinkInputEntry[];
}

const EMPTY: Snapshot = { sources: [], sinks: [], cards: [], modules: [], sinkInputs: [] };
const COALESCE_MS = 30;
const PA_INVALID_INDEX = 0xffffffff;

/* eslint-disable @typescript-eslint/no-explicit-any -- pulseaudio.js replies are untyped */
function device(raw: any, isSource: boolean): DeviceEntry {
  const card = typeof raw.card === 'number' && raw.card !== PA_INVALID_INDEX ? raw.card : null;
  const monitorOf = isSource && typeof raw.monitor?.index === 'number' && raw.monitor.index !== PA_INVALID_INDEX ? raw.monitor.index : null;
  return {
    index: raw.index,
    name: raw.name ?? '',
    description: raw.description ?? '',
    sampleSpec: { format: raw.sampleSpec.format, channels: raw.sampleSpec.channels, rate: raw.sampleSpec.rate },
    volume: [...(raw.volume?.current ?? [])],
    muted: !!raw.mute,
    card,
    monitorOf,
    state: raw.state,
    props: flattenProps(raw.properties),
  };
}

export class Inventory extends EventEmitter<{ changed: [] }> {
  private snap: Snapshot = EMPTY;
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly connection: Connection,
    private readonly log: Logger,
  ) {
    super();
  }

  get snapshot(): Snapshot {
    return this.snap;
  }

  clear(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.snap = EMPTY;
  }

  /** Coalesces a burst of server events into one refresh. */
  poke(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.refresh().catch((err: unknown) => this.log.debug({ err }, 'inventory refresh failed'));
    }, COALESCE_MS);
  }

  /** Re-reads everything; concurrent callers share one read, and a call during a read causes one more. */
  async refresh(): Promise<void> {
    if (this.refreshing) {
      this.again = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      try {
        do {
          this.again = false;
          await this.read();
        } while (this.again);
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }

  private async read(): Promise<void> {
    const [sources, sinks, cards, modules, inputs] = await this.connection.call('inventory', (c) =>
      Promise.all([c.getAllSources(), c.getAllSinks(), listCards(c), listModules(c), c.getSinkInputList()]),
    );
    this.snap = {
      sources: sources.map((s: any) => device(s, true)),
      sinks: sinks.map((s: any) => device(s, false)),
      cards,
      modules,
      sinkInputs: inputs.map((i: any) => ({ index: i.index, sink: i.sink, props: flattenProps(i.properties) })),
    };
    this.emit('changed');
  }
}
