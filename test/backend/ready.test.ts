/**
 * `ready()` where a host refuses to compile the kernels synchronously, as browsers before Chrome's 8 MiB
 * limit did on a page's main thread for modules over 4 KiB: simulated in a fresh Node process whose
 * `WebAssembly.Module` constructor throws as theirs did.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

const dist = new URL('../../dist/index.js', import.meta.url).href;

function run(script: string): Record<string, unknown> {
  const refuse = `
    const Module = WebAssembly.Module;
    WebAssembly.Module = function (bytes) {
      if (bytes.byteLength > 4096) throw new RangeError('WebAssembly.Compile is disallowed on the main thread, if the buffer size is larger than 4KB.');
      return new Module(bytes);
    };
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', `${refuse}\nconst ck = await import(${JSON.stringify(dist)});\n${script}`], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

test('where synchronous compilation is refused, ops fall back to reference, and ready() brings in the wasm kernels', () => {
  const seen = run(`
    ck.manualSeed(0);
    const x = ck.randn([1, 32, 20, 20]), w = ck.randn([32, 32, 3, 3]);
    const before = ck.getBackend();
    const slow = ck.conv2d(x, w, null, { padding: 1 });
    const after = await ck.ready();
    const fast = ck.conv2d(x, w, null, { padding: 1 });
    const scale = Math.max(1, ...slow.data.map(Math.abs));
    const error = Math.max(...fast.data.map((v, i) => Math.abs(v - slow.data[i]))) / scale;
    console.log(JSON.stringify({ before, after, error }));
  `);
  assert.equal(seen.before, 'reference');
  assert.equal(seen.after, 'wasm');
  assert.ok((seen.error as number) <= 1e-4, `wasm and reference differ by ${seen.error} (relative)`);
});

test('ready() leaves a backend chosen with setBackend alone', () => {
  const seen = run(`
    ck.setBackend('reference');
    console.log(JSON.stringify({ after: await ck.ready() }));
  `);
  assert.equal(seen.after, 'reference');
});
