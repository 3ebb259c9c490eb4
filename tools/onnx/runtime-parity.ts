/**
 * ONNX export against the runtimes (`npm run test:onnx`, after `node tools/install-deps.mjs bench` puts
 * onnxruntime into bench/node_modules): every model of test/support/onnx-models.ts, exported at
 * several opsets, runs in onnxruntime-node (native CPU) and onnxruntime-web (its WebAssembly build, in
 * Node) on random inputs at two batch sizes through one exported file, and must give convkit's
 * evaluation-mode outputs (reference and wasm backends) within 1e-4. ONNX's own checker
 * (onnx.checker with full_check, Debian's python3-onnx under /usr/bin/python3) passes every model of
 * an opset it knows; without the package that test is skipped, saying so.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { exportOnnx, Generator, noGrad, randn, type Tensor } from '../../src/index.js';
import { CONFIGS, withConfig } from '../../test/support/backends.js';
import { ONNX_MODEL_CASES } from '../../test/support/onnx-models.js';

/** The opsets checked: the lowest (HardSwish as HardSigmoid), HardSwish's first, the default, Pad's 'wrap' first, the highest. */
const OPSETS = [11, 14, 17, 19, 25];
const TOLERANCE = 1e-4;
const PYTHON = process.env.CONVKIT_TORCH_PYTHON ?? '/usr/bin/python3';

/** The part of onnxruntime's API (the same in both packages) used here. */
interface OrtTensor { dims: readonly number[]; data: unknown }
interface Ort {
  env: { logLevel?: string; wasm?: { numThreads?: number } };
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => OrtTensor;
  InferenceSession: { create(model: Uint8Array): Promise<{ run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>; release(): Promise<void> }> };
}

/** onnxruntime as bench/ installs it (convkit's own install leaves the 500 MB of peers out). */
async function loadOrt(name: string): Promise<Ort> {
  const bench = createRequire(new URL('../../bench/package.json', import.meta.url));
  let path: string;
  try {
    path = bench.resolve(name);
  } catch {
    throw new Error(`${name} is not in bench/node_modules: run node tools/install-deps.mjs bench (npm run test:onnx does)`);
  }
  const module = await import(pathToFileURL(path).href);
  return (module.default ?? module) as Ort;
}

function maxDifference(expected: Tensor, actual: OrtTensor): number {
  assert.deepEqual([...actual.dims], [...expected.shape], 'output shape');
  const data = actual.data as Float32Array;
  let worst = 0;
  for (let i = 0; i < expected.numel; i++) worst = Math.max(worst, Math.abs(expected.data[i] - data[i]));
  return worst;
}

const exported = new Map<string, Uint8Array>();
const runtimes: Array<[string, Ort]> = [];

before(async () => {
  const web = await loadOrt('onnxruntime-web');
  web.env.wasm!.numThreads = 1; // the machine is shared: no worker threads
  const node = await loadOrt('onnxruntime-node');
  for (const ort of [web, node]) ort.env.logLevel = 'error';
  runtimes.push(['onnxruntime-node', node], ['onnxruntime-web', web]);
});

for (const c of ONNX_MODEL_CASES) {
  describe(c.name, () => {
    for (const opset of OPSETS.filter((o) => o >= (c.minOpset ?? 0))) {
      test(`opset ${opset}`, async () => {
        const g = new Generator().manualSeed(opset * 1000 + c.inputShape.length);
        const model = c.build(g).eval();
        const bytes = exportOnnx(model, c.inputShape, { opset });
        exported.set(`${c.name}-opset${opset}.onnx`, bytes);
        for (const batch of [c.inputShape[0], c.inputShape[0] + 3]) {
          const x = randn([batch, ...c.inputShape.slice(1)], g);
          const expected = CONFIGS.slice(0, 2).map((config) => [config.name, withConfig(config, () => noGrad(() => model.forward(x)))] as const);
          for (const [runtime, ort] of runtimes) {
            const session = await ort.InferenceSession.create(bytes);
            const { output } = await session.run({ input: new ort.Tensor('float32', x.data, x.shape) });
            await session.release();
            for (const [backend, y] of expected) {
              const d = maxDifference(y, output);
              assert.ok(d <= TOLERANCE, `${runtime} vs convkit (${backend}) at batch ${batch}: max |difference| ${d}`);
            }
          }
        }
      });
    }
  });
}

describe('onnx.checker', () => {
  test('passes every exported model of an opset it knows', (t) => {
    const probe = spawnSync(PYTHON, ['-c', 'import onnx'], { encoding: 'utf8' });
    if (probe.status !== 0) {
      t.skip(`${PYTHON} has no onnx package (Debian: apt-get install python3-onnx)`);
      return;
    }
    assert.ok(exported.size > 0, 'the runtime tests exported the models first');
    const dir = mkdtempSync(join(tmpdir(), 'convkit-onnx-'));
    try {
      for (const [name, bytes] of exported) writeFileSync(join(dir, name), bytes);
      const script = fileURLToPath(new URL('check_models.py', import.meta.url));
      const r = spawnSync(PYTHON, [script, dir], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const results = r.stdout.trim().split('\n').map((line) => JSON.parse(line) as { file: string; status: string; message: string });
      const failed = results.filter((x) => x.status === 'failed').map((x) => `${x.file}: ${x.message}`);
      assert.deepEqual(failed, []);
      const checked = results.filter((x) => x.status === 'ok').length;
      assert.ok(checked > 0, 'no model had an opset the checker knows');
      t.diagnostic(`onnx.checker (full_check) passed ${checked} models; skipped ${results.length - checked} (opsets newer than it knows, or its pre-1.16 ceil_mode inference)`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

after(() => exported.clear());
