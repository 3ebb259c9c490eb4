// A static server for the built playground (playground/dist). Cross-origin isolated by default (the
// COOP and COEP headers that give the page's workers SharedArrayBuffer, so convkit runs on several
// threads); without them the same build runs on one thread, as on a host that cannot send headers.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DIST = fileURLToPath(new URL('dist/', import.meta.url));
export const ISOLATION_HEADERS = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };
const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm',
  '.png': 'image/png', '.svg': 'image/svg+xml', '.json': 'application/json',
};

/**
 * Serves `root` on 127.0.0.1:`port` (0: any free port); resolves with the server and its URL.
 * @param {{ root?: string, port?: number, isolated?: boolean }} options
 */
export function serve({ root = DIST, port = 0, isolated = true } = {}) {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname));
    let file = join(root, path);
    if (!file.startsWith(root.replace(/\/$/, '')) || !existsSync(file)) {
      res.writeHead(404).end('not found');
      return;
    }
    if (statSync(file).isDirectory()) file = join(file, 'index.html');
    const headers = { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', ...(isolated ? ISOLATION_HEADERS : {}) };
    res.writeHead(200, headers).end(readFileSync(file));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${server.address().port}/` }));
  });
}
