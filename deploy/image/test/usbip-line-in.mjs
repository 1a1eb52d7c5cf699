// A USB sound card with a line-in, emulated on the host and exported over USB/IP, for the
// QEMU boot test: QEMU's own usb-audio device is playback only. The guest attaches it with
// the kernel's vhci-hcd (blueline-test-line-in.service), so snd-usb-audio, PipeWire and the
// daemon see a real USB Audio Class 1 capture device. It streams silence at 48 kHz stereo.
//   node usbip-line-in.mjs PORT      (listens on 127.0.0.1:PORT; QEMU guests reach it as 10.0.2.2)
import { createServer } from 'node:net';

const port = Number(process.argv[2] ?? 3240);
const BUSID = '1-1';
const SPEED_FULL = 2;
const EPIPE = -32;
const ECONNRESET = -104;
const BYTES_PER_MS = 48 * 2 * 2; // 48 frames of 2 channels x 16 bit

const device = Buffer.from([
  18, 1, 0x10, 0x01, 0, 0, 0, 64, 0x09, 0x12, 0x01, 0x00, 0x00, 0x01, 1, 2, 3, 1,
]);
const config = (() => {
  const body = [
    9, 4, 0, 0, 0, 1, 1, 0, 0, // audio control interface
    9, 0x24, 1, 0x00, 0x01, 30, 0, 1, 1, // AC header, streaming interface 1
    12, 0x24, 2, 1, 0x03, 0x06, 0, 2, 0x03, 0x00, 0, 0, // input terminal 1: line connector, stereo
    9, 0x24, 3, 2, 0x01, 0x01, 0, 1, 0, // output terminal 2: USB streaming, from 1
    9, 4, 1, 0, 0, 1, 2, 0, 0, // streaming interface, alt 0 (no bandwidth)
    9, 4, 1, 1, 1, 1, 2, 0, 0, // streaming interface, alt 1
    7, 0x24, 1, 2, 1, 0x01, 0x00, // AS general: linked to terminal 2, PCM
    11, 0x24, 2, 1, 2, 2, 16, 1, 0x80, 0xbb, 0x00, // format type I: 2 ch, 16 bit, 48000 Hz
    9, 5, 0x81, 0x05, 0xc4, 0x00, 1, 0, 0, // iso IN endpoint 1, async, 196 bytes
    7, 0x25, 1, 0x01, 0, 0, 0, // CS endpoint: sampling frequency control
  ];
  const head = [9, 2, (body.length + 9) & 0xff, (body.length + 9) >> 8, 2, 1, 0, 0x80, 50];
  return Buffer.from([...head, ...body]);
})();
const strings = ['', 'blueline test', 'USB Line-In', '0001'];

function stringDescriptor(index) {
  if (index === 0) return Buffer.from([4, 3, 0x09, 0x04]);
  const text = Buffer.from(strings[index] ?? '', 'utf16le');
  return Buffer.concat([Buffer.from([text.length + 2, 3]), text]);
}

/** Answers a control request: a Buffer (IN data, possibly empty) or null to stall. */
function control(setup) {
  const [type, request] = [setup[0], setup[1]];
  const value = setup.readUInt16LE(2);
  const length = setup.readUInt16LE(6);
  let reply = Buffer.alloc(0);
  if (type === 0x80 && request === 6) {
    const kind = value >> 8;
    if (kind === 1) reply = device;
    else if (kind === 2) reply = config;
    else if (kind === 3) reply = stringDescriptor(value & 0xff);
    else return null;
  } else if (type === 0x80 && request === 0) reply = Buffer.from([0, 0]);
  else if (type === 0x80 && request === 8) reply = Buffer.from([1]);
  else if (type === 0xa2 && request === 0x81) reply = Buffer.from([0x80, 0xbb, 0x00]);
  else if ((type & 0x80) === 0x80 && type !== 0x80) return null; // other class reads: not supported
  return reply.subarray(0, length);
}

function retSubmit(seqnum, status, data, iso, actual = data.length) {
  const head = Buffer.alloc(48);
  head.writeUInt32BE(3, 0);
  head.writeUInt32BE(seqnum, 4);
  head.writeInt32BE(status, 20);
  head.writeUInt32BE(actual, 24);
  head.writeUInt32BE(iso ? iso.length / 16 : 0, 32);
  return Buffer.concat([head, data, iso ?? Buffer.alloc(0)]);
}

function importReply() {
  const rec = Buffer.alloc(8 + 312);
  rec.writeUInt16BE(0x0111, 0);
  rec.writeUInt16BE(0x0003, 2);
  rec.write('/sys/devices/blueline/usb1/1-1', 8);
  rec.write(BUSID, 8 + 256);
  rec.writeUInt32BE(1, 8 + 288);
  rec.writeUInt32BE(2, 8 + 292);
  rec.writeUInt32BE(SPEED_FULL, 8 + 296);
  rec.writeUInt16BE(0x1209, 8 + 300);
  rec.writeUInt16BE(0x0001, 8 + 302);
  rec.writeUInt16BE(0x0100, 8 + 304);
  rec[8 + 309] = 1; // bConfigurationValue
  rec[8 + 310] = 1; // bNumConfigurations
  rec[8 + 311] = 2; // bNumInterfaces
  return rec;
}

function serve(socket) {
  let buf = Buffer.alloc(0);
  let imported = false;
  const pending = new Map();
  socket.on('error', () => {});
  socket.on('close', () => { for (const t of pending.values()) clearTimeout(t); });
  socket.on('data', (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      if (!imported) {
        if (buf.length < 40) return;
        buf = buf.subarray(40);
        imported = true;
        socket.write(importReply());
        console.log('usbip: line-in imported');
        continue;
      }
      if (buf.length < 48) return;
      const command = buf.readUInt32BE(0);
      const seqnum = buf.readUInt32BE(4);
      if (command === 2) { // CMD_UNLINK
        const victim = buf.readUInt32BE(20);
        buf = buf.subarray(48);
        const timer = pending.get(victim);
        if (timer) { clearTimeout(timer); pending.delete(victim); }
        const head = Buffer.alloc(48);
        head.writeUInt32BE(4, 0);
        head.writeUInt32BE(seqnum, 4);
        head.writeInt32BE(timer ? ECONNRESET : 0, 20);
        socket.write(head);
        continue;
      }
      const out = buf.readUInt32BE(12) === 0;
      const ep = buf.readUInt32BE(16);
      const length = buf.readInt32BE(24);
      const packets = ep === 0 ? 0 : buf.readUInt32BE(32);
      const need = 48 + (out ? length : 0) + packets * 16;
      if (buf.length < need) return;
      const setup = Buffer.from(buf.subarray(40, 48));
      const isoIn = Buffer.from(buf.subarray(48 + (out ? length : 0), need));
      buf = buf.subarray(need);
      if (ep === 0) {
        const reply = control(setup);
        socket.write(reply === null ? retSubmit(seqnum, EPIPE, Buffer.alloc(0)) : (out ? retSubmit(seqnum, 0, Buffer.alloc(0), undefined, length) : retSubmit(seqnum, 0, reply)));
        continue;
      }
      // Iso IN: one 1 ms packet of silence per descriptor, answered in real time.
      const iso = Buffer.alloc(packets * 16);
      for (let i = 0; i < packets; i++) {
        const asked = isoIn.readUInt32BE(i * 16 + 4);
        iso.writeUInt32BE(isoIn.readUInt32BE(i * 16), i * 16);
        iso.writeUInt32BE(asked, i * 16 + 4);
        iso.writeUInt32BE(Math.min(asked, BYTES_PER_MS), i * 16 + 8);
      }
      const data = Buffer.alloc(packets === 0 ? 0 : [...Array(packets).keys()].reduce((n, i) => n + iso.readUInt32BE(i * 16 + 8), 0));
      const timer = setTimeout(() => {
        pending.delete(seqnum);
        if (!socket.destroyed) socket.write(retSubmit(seqnum, 0, data, iso));
      }, Math.max(1, packets));
      pending.set(seqnum, timer);
    }
  });
}

createServer(serve).listen(port, '127.0.0.1', () => console.log(`usbip: listening on 127.0.0.1:${port}`));
