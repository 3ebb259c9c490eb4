/**
 * convkit in a real browser: serves dist/ and a page from test/browser/ to headless Chromium (Debian's
 * `chromium-headless-shell`, which `.ci/run` installs; `CONVKIT_CHROMIUM` names another binary) and
 * checks what the page reports:
 * - page.html: the wasm backend running on the page's main thread, with plain memory and one thread,
 *   gives the reference backend's results for every strategy, and memory grows past its first 16 MiB;
 * - worker.html, served cross-origin isolated: in a Web Worker, the wasm backend runs on two threads
 *   (the worker and a worker it starts) and gives the same bits as on one.
 * Skipped, saying so, where no browser is installed. `CONVKIT_BROWSER_TIMES=1` prints the worker's
 * timings of one case on 1 and 2 threads.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const browser = [process.env.CONVKIT_CHROMIUM, '/usr/bin/chromium-headless-shell', '/usr/bin/chromium'].find((p) => p !== undefined && existsSync(p));
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript' };

interface Case {
  name: string;
  shape: number[];
  expectedShape: number[];
  error: number;
  finite: boolean;
  sameBits?: boolean;
}

interface PageReport {
  ok: boolean;
  error?: string;
  report?: {
    backendAtStart?: string;
    isolated?: boolean;
    ready: string;
    threads: number;
    speedup?: { case: number; ms1: number; ms2: number };
    cases: Case[];
  };
}

/** The headers that make a page cross-origin isolated, so that it (and its workers) have SharedArrayBuffer. */
const ISOLATED = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };

/**
 * Serves `page` (under test/browser/) and dist/, cross-origin isolated if `isolated`, opens the page in
 * the browser, resolves with what it POSTs to /result.
 */
function runPage(binary: string, page: string, isolated: boolean): Promise<PageReport> {
  const profile = mkdtempSync(join(tmpdir(), 'convkit-chromium-'));
  return new Promise<PageReport>((resolve, reject) => {
    let child: ReturnType<typeof spawn> | null = null;
    const server = createServer((req, res) => {
      const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname));
      if (req.method === 'POST' && path === '/result') {
        let body = '';
        req.on('data', (chunk) => (body += chunk));
        req.on('end', () => {
          res.end('ok');
          finish(() => resolve(JSON.parse(body) as PageReport));
        });
        return;
      }
      const file = join(root, path);
      if (!(path.startsWith('/dist/') || path.startsWith('/test/browser/')) || !existsSync(file)) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', ...(isolated ? ISOLATED : {}) }).end(readFileSync(file));
    });
    const timer = setTimeout(() => finish(() => reject(new Error('the page did not report within 120 s'))), 120_000);
    // settles once the browser has exited: it writes to its profile until then
    let finished = false;
    function finish(settle: () => void): void {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      server.close();
      const done = () => {
        rmSync(profile, { recursive: true, force: true, maxRetries: 5 });
        settle();
      };
      // the browser's processes form one group (Debian's binary is a shell script that runs the browser
      // as its child, so killing the child alone would leave the browser running)
      const group = child?.pid;
      if (group === undefined) {
        done();
        return;
      }
      try {
        process.kill(-group, 'SIGTERM');
      } catch {
        // the group has already exited
      }
      const gone = () => {
        try {
          process.kill(-group, 0);
          return false;
        } catch {
          return true;
        }
      };
      const started = Date.now();
      const wait = setInterval(() => {
        if (gone() || Date.now() - started > 10_000) {
          clearInterval(wait);
          done();
        }
      }, 50);
    }
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      child = spawn(binary, ['--no-sandbox', '--disable-gpu', `--user-data-dir=${profile}`, `http://127.0.0.1:${port}/test/browser/${page}`], { stdio: 'ignore', detached: true });
      child.once('exit', (code) => finish(() => reject(new Error(`the browser exited (${code}) before the page reported`))));
      child.on('error', (e) => {
        child = null; // it never ran
        finish(() => reject(e));
      });
    });
  });
}

const skip = browser === undefined && 'no headless Chromium (apt-get install chromium-headless-shell)';

/** A case's output has the reference's shape, is finite, and is within 1e-4 of the reference. */
function checkCase(c: Case): void {
  assert.deepEqual(c.shape, c.expectedShape, c.name);
  assert.ok(c.finite, `${c.name}: non-finite output`);
  assert.ok(c.error <= 1e-4, `${c.name}: relative error ${c.error}`);
}

test('in a browser page, the wasm backend matches the reference backend', { skip }, async () => {
  const page = await runPage(browser as string, 'page.html', false);
  assert.ok(page.ok, page.error);
  const report = page.report!;
  assert.equal(report.backendAtStart, 'wasm', 'current browsers compile the kernels synchronously on the main thread');
  assert.equal(report.ready, 'wasm');
  assert.equal(report.threads, 1, 'a page that is not cross-origin isolated has no SharedArrayBuffer: one thread');
  assert.equal(report.cases.length, 12);
  report.cases.forEach(checkCase);
});

test('in a browser worker of a cross-origin isolated page, the wasm backend runs on two threads, bit for bit as on one', { skip }, async () => {
  const page = await runPage(browser as string, 'worker.html', true);
  assert.ok(page.ok, page.error);
  const report = page.report!;
  assert.equal(report.isolated, true);
  assert.equal(report.ready, 'wasm');
  assert.equal(report.threads, 2, 'a worker may block on Atomics and share memory: the threads asked for');
  assert.equal(report.cases.length, 5);
  for (const c of report.cases) {
    checkCase(c);
    assert.equal(c.sameBits, true, `${c.name}: two threads gave other bits than one`);
  }
  // the worker's timings of one case on 1 and 2 threads, for a note (timings are not tested)
  if (process.env.CONVKIT_BROWSER_TIMES) console.log(JSON.stringify(report.speedup));
});
