/**
 * Sits between a guest's serial port and btvirt's server socket. btvirt 5.66 parses its
 * clients' H4 stream assuming every read starts with a whole packet header (an ACL header
 * split across two reads desynchronises it for good), while a 16550 delivers bytes as they
 * come. The framer forwards the guest's stream to btvirt one whole H4 packet per write;
 * btvirt's replies go back untouched (the guest's hci_uart reassembles byte streams fine).
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { rmSync } from 'node:fs';

/** Length of the H4 packet at the start of buf (type byte included), or 0 if the header is incomplete. */
export function h4PacketLength(buf: Buffer): number {
  if (buf.length < 1) return 0;
  const type = buf[0];
  const header = (n: number) => buf.length >= 1 + n;
  switch (type) {
    case 0x01: return header(3) ? 1 + 3 + buf[3]! : 0; // command: opcode(2) plen(1)
    case 0x02: return header(4) ? 1 + 4 + buf.readUInt16LE(3) : 0; // ACL: handle(2) dlen(2)
    case 0x03: return header(3) ? 1 + 3 + buf[3]! : 0; // SCO: handle(2) dlen(1)
    case 0x05: return header(4) ? 1 + 4 + (buf.readUInt16LE(3) & 0x3fff) : 0; // ISO
    default: throw new Error(`unexpected H4 packet type 0x${type?.toString(16)}`);
  }
}

export function startH4Framer(listenPath: string, btvirtPath: string, onError: (err: Error) => void): Server {
  rmSync(listenPath, { force: true });
  const server = createServer((guest: Socket) => {
    const air = createConnection(btvirtPath);
    let pending: Buffer = Buffer.alloc(0);
    air.on('data', (d) => guest.write(d));
    guest.on('data', (d: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, d]) : d;
      try {
        for (let len = h4PacketLength(pending); len > 0 && pending.length >= len; len = h4PacketLength(pending)) {
          air.write(pending.subarray(0, len));
          pending = pending.subarray(len);
        }
      } catch (err) {
        onError(err as Error);
        guest.destroy();
      }
    });
    const close = () => { guest.destroy(); air.destroy(); };
    guest.on('close', close);
    air.on('close', close);
    guest.on('error', close);
    air.on('error', (err) => { onError(err); close(); });
  });
  server.listen(listenPath);
  return server;
}
