/**
 * Codecs, read two ways:
 * - PipeWire: one card profile per A2DP codec ('a2dp-sink-aac', 'a2dp-sink-sbc_xq', plain
 *   'a2dp-sink' for the default SBC). Profiles the speaker lacks are absent or unavailable.
 *   Switching = setting the card profile.
 * - PulseAudio 15+: the message API on '/card/<card>/bluez': list-codecs answers
 *   [{"name":"sbc","description":"SBC"},...], get-codec answers "sbc", switch-codec takes "aac".
 */
import type { CodecInfo } from '../core/ports.js';
import type { CardInfo } from './protocol.js';

const NAMES: Record<string, string> = {
  sbc: 'SBC',
  sbc_xq: 'SBC XQ',
  aac: 'AAC',
  aptx: 'aptX',
  aptx_hd: 'aptX HD',
  aptx_ll: 'aptX Low Latency',
  aptx_ll_duplex: 'aptX Low Latency (duplex)',
  faststream: 'FastStream',
  ldac: 'LDAC',
  lc3plus_h3: 'LC3plus',
  opus_05: 'Opus',
};

const PROFILE = /^a2dp-sink(?:-(.+))?$/;

export function codecName(id: string): string {
  const xq = /^sbc_xq_(\d+)$/.exec(id);
  if (xq) return `SBC XQ ${xq[1]} kb/s`;
  return NAMES[id] ?? id.toUpperCase();
}

const LDAC_KBPS: Record<string, number> = { ldac_hq: 990, ldac_sq: 660, ldac_mq: 330 };

/**
 * Where the codec fixes it: aptX has a 4:1 ratio (rate x 2 channels x bits / 4); PulseAudio
 * names SBC XQ and LDAC variants by their rate ('sbc_xq_552', 'ldac_hq'). Others vary.
 */
export function nominalBitrateKbps(id: string, rate: number): number | null {
  if (id === 'aptx' || id === 'aptx_ll') return Math.round((rate * 2 * 16) / 4 / 1000);
  if (id === 'aptx_hd') return Math.round((rate * 2 * 24) / 4 / 1000);
  const xq = /^sbc_xq_(\d+)$/.exec(id);
  if (xq) return Number(xq[1]);
  return LDAC_KBPS[id] ?? null;
}

function codecOfProfile(profile: string): string | null {
  const m = PROFILE.exec(profile);
  if (!m) return null;
  return m[1] ?? 'sbc';
}

/** PipeWire: the codecs a bluez card offers, from its a2dp-sink-* profiles. */
export function codecsFromCard(card: CardInfo, rate: number): CodecInfo[] {
  const seen = new Map<string, CodecInfo>();
  for (const p of card.profiles) {
    const id = codecOfProfile(p.name);
    if (!id || !p.available) continue;
    const active = card.activeProfile === p.name;
    const existing = seen.get(id);
    if (existing) {
      existing.active ||= active;
      continue;
    }
    seen.set(id, { id, name: codecName(id), active, bitrateKbps: nominalBitrateKbps(id, rate) });
  }
  return [...seen.values()];
}

/** PipeWire: the profile that selects this codec, or null when the speaker lacks it. */
export function profileForCodec(card: CardInfo, codec: string): string | null {
  const candidates = card.profiles.filter((p) => p.available && codecOfProfile(p.name) === codec);
  // prefer the explicit 'a2dp-sink-sbc' over the bare 'a2dp-sink'
  candidates.sort((a, b) => b.name.length - a.name.length);
  return candidates[0]?.name ?? null;
}

/** PulseAudio: list-codecs + get-codec responses -> CodecInfo[]. Throws on malformed text. */
export function codecsFromMessages(listResponse: string, activeResponse: string | null, rate: number): CodecInfo[] {
  const list = JSON.parse(listResponse) as unknown;
  if (!Array.isArray(list)) throw new Error(`list-codecs: expected an array, got ${listResponse}`);
  let active: string | null = null;
  if (activeResponse) {
    const parsed = JSON.parse(activeResponse) as unknown;
    if (typeof parsed === 'string') active = parsed;
  }
  const codecs: CodecInfo[] = [];
  for (const entry of list) {
    const id = typeof entry === 'object' && entry !== null ? (entry as { name?: unknown }).name : undefined;
    if (typeof id !== 'string') continue;
    const description = (entry as { description?: unknown }).description;
    codecs.push({
      id,
      name: typeof description === 'string' && description ? description : codecName(id),
      active: id === active,
      bitrateKbps: nominalBitrateKbps(id, rate),
    });
  }
  return codecs;
}

export function bluezMessagePath(card: string): string {
  return `/card/${card}/bluez`;
}
