/**
 * GET /api/events: server-sent events. A new stream starts with `status` (the full snapshot),
 * then relays every BluelineEvent as `event: <type>`, except that `error` goes out as
 * `daemon-error`: an EventSource dispatches a message named "error" as its own connection error. A comment line every 15 s keeps proxies
 * and phones from dropping an idle stream. A client that stops reading is dropped rather
 * than buffered without bound; streams end on logout and on server close.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { BluelineApi, BluelineEvent } from '../../core/api.js';
import { sessionToken } from '../auth/cookie.js';
import { sendError } from '../errors.js';
import { SECURITY_HEADERS } from '../headers.js';

const MAX_STREAMS = 32;
const HEARTBEAT_MS = 15_000;
const MAX_BUFFERED_BYTES = 256 * 1024;

interface Stream {
  res: ServerResponse;
  token: string | undefined;
}

export class EventStreams {
  private readonly streams = new Set<Stream>();
  private readonly heartbeat: NodeJS.Timeout;

  constructor(private readonly api: BluelineApi) {
    api.on('event', this.relay);
    this.heartbeat = setInterval(() => this.each((s) => this.write(s, ': keep-alive\n\n')), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  get count(): number {
    return this.streams.size;
  }

  open(res: ServerResponse, token: string | undefined): void {
    const stream: Stream = { res, token };
    this.streams.add(stream);
    res.on('close', () => this.streams.delete(stream));
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
    });
    this.write(stream, 'retry: 3000\n\n');
    this.write(stream, frame('status', this.api.status()));
  }

  endSession(token: string): void {
    this.each((s) => s.token === token && s.res.end());
  }

  close(): void {
    clearInterval(this.heartbeat);
    this.api.off('event', this.relay);
    this.each((s) => s.res.end());
  }

  private readonly relay = (event: BluelineEvent) => {
    if (this.streams.size === 0) return;
    const { type, ...data } = event;
    const text = frame(type === 'error' ? 'daemon-error' : type, data);
    this.each((s) => this.write(s, text));
  };

  private write(stream: Stream, text: string): void {
    if (stream.res.writableLength > MAX_BUFFERED_BYTES) {
      stream.res.destroy();
      return;
    }
    stream.res.write(text);
  }

  private each(fn: (s: Stream) => unknown): void {
    for (const s of [...this.streams]) fn(s);
  }
}

function frame(type: string, data: unknown): string {
  return `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}

export async function eventRoutes(app: FastifyInstance, streams: EventStreams): Promise<void> {
  app.get('/api/events', async (request, reply) => {
    if (streams.count >= MAX_STREAMS) return sendError(reply, 429, 'too-many-streams', 'too many open panels; close one and reload');
    reply.hijack();
    streams.open(reply.raw, sessionToken(request.headers.cookie));
  });
}
