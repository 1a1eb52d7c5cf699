/**
 * The built web-ui, read into memory once at start and served from a map: only files that
 * were in webRoot at start exist as routes, so no request path ever reaches the file system
 * (no traversal, no symlink surprises). Each file is kept plain and gzipped, with an ETag.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.txt': 'text/plain; charset=utf-8',
};
const MAX_FILE = 2 * 1024 * 1024;
const MAX_FILES = 200;

interface Asset {
  type: string;
  body: Buffer;
  gzip: Buffer | null;
  etag: string;
}

function walk(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, out);
    else if (entry.isFile() && out.length < MAX_FILES) out.push(path);
  }
  return out;
}

export function loadAssets(root: string | null, logger: Logger): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  if (!root) return assets;
  let files: string[];
  try {
    files = walk(root);
  } catch (err) {
    logger.warn({ err, webRoot: root }, 'web-ui assets not found; serving the API only');
    return assets;
  }
  for (const file of files) {
    const type = TYPES[extname(file).toLowerCase()];
    if (!type || statSync(file).size > MAX_FILE) continue;
    const body = readFileSync(file);
    const gzip = /^(text|application\/(json|manifest)|image\/svg)/.test(type) ? gzipSync(body, { level: 9 }) : null;
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
    assets.set('/' + relative(root, file).split(sep).join('/'), { type, body, gzip, etag });
  }
  const index = assets.get('/index.html');
  if (index) assets.set('/', index);
  return assets;
}

export function staticRoutes(app: FastifyInstance, assets: Map<string, Asset>): void {
  for (const [path, asset] of assets) {
    app.get(path, async (request, reply) => {
      reply.header('content-type', asset.type).header('etag', asset.etag).header('cache-control', 'no-cache').header('vary', 'accept-encoding');
      if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
      const acceptsGzip = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
      if (asset.gzip && acceptsGzip) return reply.header('content-encoding', 'gzip').send(asset.gzip);
      return reply.send(asset.body);
    });
  }
}
