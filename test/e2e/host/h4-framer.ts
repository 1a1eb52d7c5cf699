/**
 * Sits between a guest's serial port and btvirt's server socket, for two reasons:
 * - btvirt 5.66 parses its clients' H4 stream assuming every read starts with a whole packet
 *   header (an ACL header split across two reads desynchronises it for good), while a serial
 *   port delivers bytes as they come. The framer writes one whole H4 packet at a time.
 * - btvirt's controllers have a single ACL buffer (Read Buffer Size says 1), so the guest waits
 *   a full round trip through two TCG guests per 192-byte packet, far too slow for A2DP. The
 *   framer announces ACL_BUFFERS buffers to the guest, queues its packets, and feeds btvirt one at
 *   a time as btvirt's Number Of Completed Packets events come back (which it passes on), like
 *   a real controller's buffer would.
 * - btvirt's controllers announce 192-byte ACL packets, so each A2DP media packet (~670 bytes of
 *   L2CAP) crosses the emulated air as four packets. btvirt forwards ACL packets of any length
 *   (emulator/btdev.c send_acl), so the framer announces ACL_MTU, a common real controller's
 *   size, and a media packet crosses as one.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { rmSync, type WriteStream } from 'node:fs';

export const ACL_BUFFERS = 8;
export const ACL_MTU = 1021;

/** Length of the H4 packet at the start of buf (type byte included), or 0 if the header is incomplete. */
export function h4PacketLength(buf: Buffer): number {
  if (buf.length < 1) return 0;
  const type = buf[0];
  const header = (n: number) => buf.length >= 1 + n;
  switch (type) {
    case 0x01: return header(3) ? 1 + 3 + buf[3]! : 0; // command: opcode(2) plen(1)
    case 0x02: return header(4) ? 1 + 4 + buf.readUInt16LE(3) : 0; // ACL: handle(2) dlen(2)
    case 0x03: return header(3) ? 1 + 3 + buf[3]! : 0; // SCO: handle(2) dlen(1)
    case 0x04: return header(2) ? 1 + 2 + buf[2]! : 0; // event: code(1) plen(1)
    case 0x05: return header(4) ? 1 + 4 + (buf.readUInt16LE(3) & 0x3fff) : 0; // ISO
    default: throw new Error(`unexpected H4 packet type 0x${type?.toString(16)}`);
  }
}

/** Splits a byte stream into whole H4 packets. */
export class H4Splitter {
  private pending: Buffer = Buffer.alloc(0);

  push(data: Buffer): Buffer[] {
    this.pending = this.pending.length ? Buffer.concat([this.pending, data]) : data;
    const packets: Buffer[] = [];
    for (let len = h4PacketLength(this.pending); len > 0 && this.pending.length >= len; len = h4PacketLength(this.pending)) {
      packets.push(this.pending.subarray(0, len));
      this.pending = this.pending.subarray(len);
    }
    return packets;
  }
}

const READ_BUFFER_SIZE = 0x1005;
const HCI_RESET = 0x0c03;

/** The controller-buffer model for one guest connection. */
export class AclBuffer {
  private queue: Buffer[] = [];
  private inFlight = 0;
  private credits = 1;

  constructor(private toAir: (p: Buffer) => void, private toGuest: (p: Buffer) => void) {}

  fromGuest(packet: Buffer): void {
    if (packet[0] === 0x01 && packet.readUInt16LE(1) === HCI_RESET) this.reset();
    if (packet[0] === 0x02) {
      this.queue.push(packet);
      this.pump();
      return;
    }
    this.toAir(packet);
  }

  fromAir(packet: Buffer): void {
    if (packet[0] === 0x04) {
      const code = packet[1];
      if (code === 0x0e && packet.length >= 13 && packet.readUInt16LE(4) === READ_BUFFER_SIZE && packet[6] === 0) {
        this.credits = Math.max(1, packet.readUInt16LE(10));
        const patched = Buffer.from(packet);
        patched.writeUInt16LE(ACL_MTU, 7);
        patched.writeUInt16LE(ACL_BUFFERS, 10);
        this.toGuest(patched);
        return;
      }
      if (code === 0x13) {
        const handles = packet[3]!;
        for (let i = 0; i < handles; i++) this.inFlight -= packet.readUInt16LE(4 + 4 * i + 2);
        this.inFlight = Math.max(0, this.inFlight);
        this.toGuest(packet);
        this.pump();
        return;
      }
      if (code === 0x05 && packet.length >= 7) {
        // the guest frees a dropped link's buffers itself: forget what is queued for it
        const handle = packet.readUInt16LE(4) & 0x0fff;
        this.queue = this.queue.filter((p) => (p.readUInt16LE(1) & 0x0fff) !== handle);
      }
    }
    this.toGuest(packet);
  }

  private pump(): void {
    while (this.inFlight < this.credits && this.queue.length) {
      this.inFlight++;
      this.toAir(this.queue.shift()!);
    }
  }

  private reset(): void {
    this.queue = [];
    this.inFlight = 0;
  }
}

/**
 * One line per HCI command and command event, for telling a silent emulated controller from a
 * stuck guest (ACL traffic is only counted: it would swamp the file).
 */
export function describeControl(direction: 'cmd' | 'evt', p: Buffer): string | null {
  if (direction === 'cmd' && p[0] === 0x01 && p.length >= 3) return `cmd 0x${p.readUInt16LE(1).toString(16).padStart(4, '0')}`;
  if (direction === 'evt' && p[0] === 0x04 && p.length >= 3) {
    const code = p[1]!;
    if (code === 0x0e && p.length >= 6) return `evt complete 0x${p.readUInt16LE(4).toString(16).padStart(4, '0')}`;
    if (code === 0x0f && p.length >= 7) return `evt status 0x${p.readUInt16LE(5).toString(16).padStart(4, '0')} status=${p[3]}`;
    if (code !== 0x13 && code !== 0x2f && code !== 0x22 && code !== 0x02) return `evt 0x${code.toString(16)}`;
  }
  return null;
}

export function startH4Framer(listenPath: string, btvirtPath: string, onError: (err: Error) => void, trace?: WriteStream): Server {
  rmSync(listenPath, { force: true });
  const started = Date.now();
  const note = (line: string | null) => { if (line && trace) trace.write(`${((Date.now() - started) / 1000).toFixed(3)} ${line}\n`); };
  const server = createServer((guest: Socket) => {
    const air = createConnection(btvirtPath);
    const buffer = new AclBuffer((p) => { note(describeControl('cmd', p)); air.write(p); }, (p) => { note(describeControl('evt', p)); guest.write(p); });
    const fromGuest = new H4Splitter();
    const fromAir = new H4Splitter();
    const close = () => { guest.destroy(); air.destroy(); };
    const guard = (fn: () => void) => {
      try { fn(); } catch (err) { onError(err as Error); close(); }
    };
    guest.on('data', (d: Buffer) => guard(() => fromGuest.push(d).forEach((p) => buffer.fromGuest(p))));
    air.on('data', (d: Buffer) => guard(() => fromAir.push(d).forEach((p) => buffer.fromAir(p))));
    guest.on('close', close);
    air.on('close', close);
    guest.on('error', close);
    air.on('error', (err) => { onError(err); close(); });
  });
  server.listen(listenPath);
  return server;
}
