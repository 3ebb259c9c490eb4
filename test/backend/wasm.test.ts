import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Conv2d, conv2dGeometry, conv2d, DepthwiseSeparableConv2d, Generator, pad, getNumThreads, getWinograd, randn, setBackend, setNumThreads, setWinograd, type Conv2dOptions } from '../../src/index.js';
import { chooseStrategy, type Strategy } from '../../src/backend/wasm/index.js';
import { WasmInstance, wasmInstance } from '../../src/backend/wasm/instance.js';
import { withWasm } from '../support/backends.js';

const g = new Generator(4);
const int = (lo: number, hi: number) => lo + Math.floor(g.uniform() * (hi - lo + 1));

function randomCase() {
  const groups = [1, 1, 2, 3, 4][int(0, 4)];
  const cIn = groups * int(1, 5);
  const cOut = groups * int(1, 6);
  const kH = int(1, 5);
  const kW = int(1, 5);
  const options: Conv2dOptions = { groups, stride: [int(1, 3), int(1, 3)], dilation: [int(1, 3), int(1, 2)], padding: [int(0, 3), int(0, 3)] };
  const h = int(1, 20) + (kH - 1) * 3;
  const w = int(1, 30) + (kW - 1) * 2;
  return { x: randn([int(1, 3), cIn, h, w], g), weight: randn([cOut, cIn / groups, kH, kW], g), bias: g.uniform() < 0.7 ? randn([cOut], g) : null, options };
}

test('every strategy matches the reference kernel, on one thread and on two, bit for bit across thread counts', () => {
  const strategies: Strategy[] = ['gemm-im2col', 'gemm-direct', 'depthwise', 'winograd-f6', 'winograd-f4', 'winograd-f2', 'winograd-s2'];
  let checked = 0;
  for (let i = 0; i < 150; i++) {
    const c = randomCase();
    if (i % 3 === 1) { // Winograd's cases: 3x3, stride 1 with any dilation (the same both ways), or stride 2 undilated
      c.weight = randn([c.weight.shape[0], c.weight.shape[1], 3, 3], g);
      const d = int(1, 3);
      const s = i % 2 === 0 ? 2 : 1;
      c.x = randn([c.x.shape[0], c.x.shape[1], int(2, 20 * s) + 2 * d, int(2, 20 * s) + 2 * d], g);
      c.options = { ...c.options, stride: s, dilation: s === 2 ? 1 : d };
    }
    if (i % 3 === 0) { // depthwise cases, with depth multipliers
      const cIn = int(2, 6);
      c.x = randn([1, cIn, int(4, 20), int(4, 20)], g);
      c.weight = randn([cIn * int(1, 2), 1, int(1, 4), int(1, 4)], g);
      c.bias = randn([c.weight.shape[0]], g);
      c.options = { ...c.options, groups: cIn };
    }
    setBackend('reference');
    let expected;
    try {
      expected = conv2d(c.x, c.weight, c.bias, c.options);
    } catch {
      continue; // a draw whose kernel does not fit its input
    }
    const geom = conv2dGeometry(c.x.shape, c.weight.shape, c.bias?.shape ?? null, c.options);
    for (const force of strategies) {
      const one = withWasm({ force, tinyMacs: 0, parallelMacs: 0 }, 1, () => conv2d(c.x, c.weight, c.bias, c.options));
      const two = withWasm({ force, tinyMacs: 0, parallelMacs: 0 }, 2, () => conv2d(c.x, c.weight, c.bias, c.options));
      const used = withWasm({ force, tinyMacs: 0 }, 1, () => chooseStrategy(geom));
      assert.deepEqual(one.shape, expected.shape);
      const scale = Math.max(1, ...expected.data.map(Math.abs));
      one.data.forEach((v, j) => assert.ok(Math.abs(v - expected.data[j]) <= 1e-4 * scale, `${used} ${JSON.stringify(c.options)} element ${j}: ${v} vs ${expected.data[j]}`));
      assert.deepEqual(two.data, one.data, `${used}: two threads give other bits than one`);
      checked++;
    }
  }
  assert.ok(checked > 300, `only ${checked} checks ran`);
  setBackend('wasm');
});

test('on threads, a run fed its input plane by plane while the workers start reads every plane once it is there', () => {
  // inputs of several 256 KiB pieces, each call after one on other values in the same place, and a copy
  // slowed down (the workers wake and take tasks meanwhile): a worker that ran ahead of the copy would
  // read the last call's planes
  const layers: [number[], number[], Conv2dOptions][] = [
    [[1, 48, 96, 96], [48, 1, 3, 3], { padding: 1, groups: 48 }], // depthwise, read in place
    [[2, 24, 64, 64], [24, 24, 3, 3], { padding: 1 }], // Winograd, from a padded copy
    [[1, 32, 90, 90], [32, 32, 3, 3], { stride: 2, padding: 1 }], // Winograd on the phases, from a split copy
  ];
  const write = WasmInstance.prototype.write;
  for (const [xShape, wShape, options] of layers) {
    const w = randn(wShape, g);
    const inputs = [randn(xShape, g), randn(xShape, g)];
    const one = withWasm({ parallelMacs: 0 }, 1, () => inputs.map((x) => conv2d(x, w, null, options)));
    WasmInstance.prototype.write = function (offset, data) {
      const until = performance.now() + (data.length > 16384 ? 2 : 0);
      while (performance.now() < until);
      write.call(this, offset, data);
    };
    try {
      const two = withWasm({ parallelMacs: 0 }, 2, () => inputs.map((x) => conv2d(x, w, null, options)));
      two.forEach((y, i) => assert.deepEqual(y.data, one[i].data, `${JSON.stringify(xShape)} ${JSON.stringify(options)}, call ${i + 1}`));
    } finally {
      WasmInstance.prototype.write = write;
    }
  }
});

test("depthwise 3x3 at stride 1 and 2 (MobileNet's fast paths) match the reference at every width", () => {
  for (const stride of [1, 2]) {
    for (let w = 1; w <= 13; w++) {
      for (const h of [1, 2, 7, 8]) {
        const x = randn([2, 3, h, w], g);
        const weight = randn([6, 1, 3, 3], g);
        const bias = randn([6], g);
        for (const padding of [[1, 1], [1, w % 3]] as [number, number][]) {
          const options = { stride, padding, groups: 3 };
          let expected;
          try {
            expected = withWasm({ force: 'reference' }, 1, () => conv2d(x, weight, bias, options));
          } catch {
            continue; // the kernel does not fit
          }
          const actual = withWasm({ force: 'depthwise', tinyMacs: 0 }, 1, () => conv2d(x, weight, bias, options));
          const what = `stride ${stride}, ${h}x${w}, padding ${padding}`;
          actual.data.forEach((v, j) => assert.ok(Math.abs(v - expected.data[j]) <= 1e-5, `${what}: element ${j}`));
          if (padding[1] !== 1) continue;
          // padding 1 all round reads the rows in place, the padding made up in registers: the same bits
          // as the same input padded first, on a padded plane
          const prepadded = withWasm({ force: 'depthwise', tinyMacs: 0 }, 1, () => conv2d(pad(x, [1, 1, 1, 1]), weight, bias, { stride, groups: 3 }));
          assert.deepEqual(actual.data, prepadded.data, `${what}: other bits than on a padded plane`);
        }
      }
    }
  }
});

test('Winograd transforms of weights are reused, but never once the weights have changed in place', () => {
  const x = randn([1, 32, 12, 12], g);
  const conv = new Conv2d(32, 32, 3, { padding: 1, generator: g });
  const run = () => withWasm({ force: 'winograd-f4', tinyMacs: 0 }, 1, () => conv.forward(x));
  const runSmall = () => withWasm({ force: 'winograd-f2', tinyMacs: 0 }, 1, () => conv.forward(x));
  const runLarge = () => withWasm({ force: 'winograd-f6', tinyMacs: 0 }, 1, () => conv.forward(x));
  const first = run();
  assert.deepEqual(run().data, first.data);
  const small = runSmall();
  const large = runLarge();
  conv.weight.data[5] += 1; // in place, as a training step would
  const changed = run();
  assert.notDeepEqual(runSmall().data, small.data, 'F(2x2) uses the changed weights too');
  assert.notDeepEqual(runLarge().data, large.data, 'F(6x6) uses the changed weights too');
  setBackend('reference');
  const expected = conv.forward(x);
  changed.data.forEach((v, j) => assert.ok(Math.abs(v - expected.data[j]) <= 1e-4 * 10, `element ${j}: ${v} vs ${expected.data[j]}`));
  assert.notDeepEqual(changed.data, first.data);
  conv.weight.data[conv.weight.data.length - 1] -= 1; // the last word too
  assert.notDeepEqual(run().data, changed.data, 'a change in the last weight is seen');
  conv.loadStateDict(new Conv2d(32, 32, 3, { generator: g }).stateDict()); // and through the API
  const loaded = run();
  const again = conv.forward(x);
  loaded.data.forEach((v, j) => assert.ok(Math.abs(v - again.data[j]) <= 1e-3, `element ${j}`));
  setBackend('wasm');
});

test('setWinograd switches the algorithm for 3x3 layers at stride 1 and 2', () => {
  const geom = conv2dGeometry([1, 64, 56, 56], [64, 64, 3, 3], null, { padding: 1 });
  const strided = conv2dGeometry([1, 64, 56, 56], [64, 64, 3, 3], null, { padding: 1, stride: 2 });
  assert.equal(chooseStrategy(geom), 'winograd-f4');
  assert.equal(chooseStrategy(strided), 'winograd-s2');
  setWinograd(false);
  try {
    assert.equal(getWinograd(), false);
    assert.equal(chooseStrategy(geom), 'gemm-direct');
    assert.equal(chooseStrategy(strided), 'gemm-im2col');
  } finally {
    setWinograd(true);
  }
  assert.throws(() => setWinograd('no' as never), /setWinograd: on must be true or false, got 'no'/);
});

test('the strategy follows the geometry', () => {
  const pick = (x: number[], w: number[], o: Conv2dOptions = {}) => chooseStrategy(conv2dGeometry(x, w, null, o));
  assert.equal(pick([1, 1, 7, 7], [1, 1, 3, 3], { dilation: 2 }), 'reference'); // the tutorial's 81 MACs
  assert.equal(pick([1, 64, 32, 32], [128, 64, 1, 1]), 'gemm-direct');
  assert.equal(pick([1, 64, 56, 56], [64, 64, 3, 3], { padding: 1 }), 'winograd-f4');
  assert.equal(pick([1, 512, 7, 7], [512, 512, 3, 3], { padding: 1 }), 'winograd-f2'); // 4 tiles of 4x4, 16 of 2x2
  assert.equal(pick([1, 512, 5, 5], [512, 512, 3, 3], { padding: 1 }), 'gemm-direct'); // 9 tiles of 2x2: too few; K = 4608, but 100 KiB of input
  assert.equal(pick([1, 512, 5, 5], [512, 512, 3, 3], { padding: 1, dilation: 2, stride: 2 }), 'gemm-direct'); // 2 x 2 sub-images of 100 KiB
  assert.equal(pick([1, 512, 33, 33], [512, 512, 3, 3], { padding: 1, stride: 2 }), 'gemm-im2col'); // 2.3 MiB
  assert.equal(pick([4, 128, 10, 10], [128, 128, 3, 3], { padding: 1 }), 'winograd-f6'); // 6x6 tiles compute 1.44x the outputs, 4x4 ones 1.8x
  assert.equal(pick([1, 16, 56, 56], [16, 16, 3, 3], { padding: 1, stride: 2 }), 'gemm-direct'); // 16 channels: too few for F(7x7, 2x2)
  assert.equal(pick([1, 256, 33, 33], [256, 256, 3, 3], { padding: 6, dilation: 6 }), 'winograd-f6'); // 36 sub-images of 6x6 outputs
  assert.equal(pick([1, 256, 33, 33], [256, 256, 3, 3], { padding: 1 }), 'winograd-f6');
  assert.equal(pick([1, 1024, 33, 33], [256, 1024, 3, 3], { padding: 1 }), 'winograd-f4'); // F(6x6) loses precision past 512
  assert.equal(pick([1, 256, 33, 33], [256, 256, 3, 3], { padding: 12, dilation: 12 }), 'winograd-f4'); // sub-images of 3x3: 4x4 tiles waste 2.1x, still half the multiplies
  assert.equal(pick([1, 256, 33, 33], [256, 256, 3, 3], { padding: 16, dilation: 16 }), 'gemm-im2col'); // sub-images of 2x2: 4x4 tiles waste 4x; 1.2 MiB of input
  assert.equal(pick([1, 256, 33, 33], [256, 256, 5, 5], { padding: 2 }), 'gemm-im2col'); // K = 6400 over 1.2 MiB of input
  assert.equal(pick([1, 64, 32, 32], [64, 16, 3, 3], { padding: 1, groups: 4 }), 'winograd-f4'); // 16 channels a group
  assert.equal(pick([1, 64, 32, 32], [64, 8, 3, 3], { padding: 1, groups: 8 }), 'gemm-direct'); // 8: too few to pay for the transforms
  assert.equal(pick([1, 64, 32, 32], [64, 1, 3, 3], { padding: 1, groups: 64 }), 'depthwise');
  assert.equal(pick([1, 96, 112, 112], [192, 1, 3, 3], { stride: 2, padding: 1, groups: 96 }), 'depthwise');
  assert.equal(pick([8, 64, 56, 56], [128, 64, 3, 3], { stride: 2, padding: 1 }), 'winograd-s2'); // 16 tiles of 7x7 an image
  assert.equal(pick([8, 64, 56, 56], [128, 8, 3, 3], { stride: 2, padding: 1, groups: 8 }), 'gemm-direct'); // 8 channels a group
  assert.equal(pick([16, 256, 14, 14], [256, 256, 3, 3], { stride: 2, padding: 1 }), 'gemm-direct'); // one 7x7 tile an image, each image's from a multiple of 4 columns: 3.8x waste
  assert.equal(pick([4, 128, 28, 28], [256, 128, 3, 3], { stride: 2, padding: 1 }), 'winograd-s2'); // 4 tiles an image, the GEMM spans the 4 images
  assert.equal(pick([8, 512, 7, 7], [512, 512, 3, 3], { padding: 1 }), 'winograd-f4'); // 4 tiles of 4x4 an image, 32 in all
  assert.equal(pick([1, 64, 58, 58], [128, 64, 3, 3], { stride: 2 }), 'winograd-s2'); // 28x28 outputs from 58x58, unpadded
  assert.equal(pick([1, 128, 28, 28], [256, 128, 3, 3], { stride: 2, padding: 1 }), 'gemm-direct'); // split into 2 x 2 sub-images
  assert.equal(pick([1, 32, 15, 15], [48, 32, 1, 1], { stride: 2 }), 'gemm-im2col'); // would read one sub-image of four
  assert.equal(pick([1, 32, 15, 15], [48, 32, 3, 3], { stride: [2, 1], padding: 1 }), 'gemm-im2col');
  assert.equal(pick([1, 3, 224, 224], [32, 3, 3, 3], { stride: 2, padding: 1 }), 'gemm-direct'); // MobileNetV2's stem: past L2, but K = 27
  assert.equal(pick([4, 1280, 1, 1], [1000, 1280, 1, 1]), 'dense'); // a Linear layer as a 1x1 convolution of 1x1 images
  assert.equal(pick([1, 64, 1, 1], [64, 64, 1, 1], { padding: [2, 0] }), 'gemm-direct'); // padded: 5x1 outputs, not one
});

test('memory does not grow over 10,000 calls', () => {
  withWasm({ tinyMacs: 0 }, getNumThreads(), () => {
    const x = randn([1, 8, 16, 16], g);
    const w = randn([8, 8, 3, 3], g);
    const block = new DepthwiseSeparableConv2d(8, 8); // a chain: its depthwise output stays in WebAssembly memory
    const call = (i: number) => (i % 2 === 0 ? conv2d(x, w, null, { padding: 1 }) : block.forward(x));
    for (let i = 0; i < 100; i++) call(i);
    const wasmBytes = wasmInstance().memory.buffer.byteLength;
    const heap = process.memoryUsage().heapUsed;
    for (let i = 0; i < 10_000; i++) call(i); // 8 KiB of output each: 80 MB if kept
    assert.equal(wasmInstance().memory.buffer.byteLength, wasmBytes);
    const grown = process.memoryUsage().heapUsed - heap;
    assert.ok(grown < 40e6, `JS heap grew by ${(grown / 1e6).toFixed(1)} MB`);
  });
});

test('a problem larger than WebAssembly can address is a clear error', () => {
  assert.throws(() => wasmInstance().alloc('conv2d', 2 ** 32), /conv2d: this problem needs \d+ MiB of WebAssembly memory, more than the 4096 MiB it can address/);
  // the next op lays memory out afresh and works
  assert.deepEqual(withWasm({ tinyMacs: 0 }, 1, () => conv2d(randn([1, 2, 5, 5], g), randn([2, 2, 3, 3], g)).shape), [1, 2, 3, 3]);
});

test('setNumThreads takes a positive integer', () => {
  assert.throws(() => setNumThreads(0), /setNumThreads: n must be a positive integer, got 0/);
  assert.throws(() => setNumThreads(1.5), /setNumThreads: n must be a positive integer, got 1.5/);
});
