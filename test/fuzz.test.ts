/**
 * A seeded fuzz of the public API: thousands of calls with hostile arguments (wrong types, NaN, negative,
 * fractional and huge sizes, huge arrays and strings, tensor-like objects, random small tensors). Each
 * call must return, or throw a ConvkitArgumentError whose message stays short: never a TypeError or
 * RangeError, never a crash, hang or huge allocation. A new public function is one line of ENTRY_POINTS.
 * `CONVKIT_FUZZ_SEED=n` repeats another run; `CONVKIT_FUZZ_CALLS=n` changes the count.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as ck from '../src/index.js';
import { MAX_MESSAGE_CHARS, show } from '../src/errors.js';

type Call = (...args: unknown[]) => unknown;

/** Every public entry point and how many arguments it takes (hostile ones are drawn for each). */
const ENTRY_POINTS: Array<[name: string, arity: number, call: Call]> = [
  ['tensor', 2, (a, b) => ck.tensor(a as never, b as never)],
  ['new Tensor', 2, (a, b) => new ck.Tensor(a as never, b as never)],
  ['full', 2, (a, b) => ck.full(a as never, b as never)],
  ['zeros', 1, (a) => ck.zeros(a as never)],
  ['ones', 1, (a) => ck.ones(a as never)],
  ['rand', 1, (a) => ck.rand(a as never)],
  ['randn', 2, (a, b) => ck.randn(a as never, b as never)],
  ['uniform', 3, (a, b, c) => ck.uniform(a as never, b as never, c as never)],
  ['manualSeed', 1, (a) => ck.manualSeed(a as never)],
  ['new Generator', 1, (a) => new ck.Generator(a as never)],
  ['reshape', 2, (a, b) => (a instanceof ck.Tensor ? a.reshape(b as never) : ck.relu(a as never))],
  ['get', 2, (a, b) => (a instanceof ck.Tensor ? a.get(...((Array.isArray(b) ? b : [b]) as number[])) : ck.relu(a as never))],
  ['backward', 2, (a, b) => (a instanceof ck.Tensor ? a.requiresGrad_().backward(b as never) : ck.relu(a as never))],
  ['conv2d', 4, (a, b, c, d) => ck.conv2d(a as never, b as never, c as never, d as never)],
  ['conv2dGeometry', 4, (a, b, c, d) => ck.conv2dGeometry(a as never, b as never, c as never, d as never)],
  ['outputSize', 6, (a, b, c, d, e, f) => ck.outputSize(a as never, b as never, c as never, d as never, e as never, f as never)],
  ['pad', 4, (a, b, c, d) => ck.pad(a as never, b as never, c as never, d as never)],
  ['relu', 1, (a) => ck.relu(a as never)],
  ['conv2dInputGrad', 4, (a, b, c, d) => ck.conv2dInputGrad(a as never, b as never, c as never, d as never)],
  ['conv2dWeightGrad', 4, (a, b, c, d) => ck.conv2dWeightGrad(a as never, b as never, c as never, d as never)],
  ['add', 2, (a, b) => ck.add(a as never, b as never)],
  ['sub', 2, (a, b) => ck.sub(a as never, b as never)],
  ['mul', 2, (a, b) => ck.mul(a as never, b as never)],
  ['div', 2, (a, b) => ck.div(a as never, b as never)],
  ['sum', 3, (a, b, c) => ck.sum(a as never, b as never, c as never)],
  ['mean', 3, (a, b, c) => ck.mean(a as never, b as never, c as never)],
  ['flatten', 3, (a, b, c) => ck.flatten(a as never, b as never, c as never)],
  ['noGrad', 1, (a) => ck.noGrad(a as never)],
  ['new Conv2d', 4, (a, b, c, d) => new ck.Conv2d(a as never, b as never, c as never, d as never)],
  ['Conv2d.forward', 5, (a, b, c, d, e) => new ck.Conv2d(a as never, b as never, c as never, d as never).forward(e as never)],
  ['new DepthwiseSeparableConv2d', 4, (a, b, c, d) => new ck.DepthwiseSeparableConv2d(a as never, b as never, c as never, d as never)],
  ['DepthwiseSeparableConv2d.forward', 3, (a, b, c) => new ck.DepthwiseSeparableConv2d(a as never, b as never).forward(c as never)],
  ['new Sequential', 2, (a, b) => new ck.Sequential(a as never, b as never)],
  ['Sequential.forward', 2, (a, b) => new ck.Sequential(new ck.Conv2d(3, 2, 1), new ck.ReLU(), a as never).forward(b as never)],
  ['ReLU.forward', 1, (a) => new ck.ReLU().forward(a as never)],
  ['loadStateDict', 1, (a) => new ck.Conv2d(3, 2, 1).loadStateDict(a as never)],
  ['Sequential.fromJSON', 1, (a) => ck.Sequential.fromJSON(a as never)],
  ['moduleFromJSON', 1, (a) => ck.moduleFromJSON(a as never)],
  ['layerCost', 2, (a, b) => ck.layerCost(a as never, b as never)],
  ['parameterCount', 1, (a) => ck.parameterCount(a as never)],
  ['conv2dMacs', 1, (a) => ck.conv2dMacs(a as never)],
  ['effectiveKernelSize', 2, (a, b) => ck.effectiveKernelSize(a as never, b as never)],
  ['summary', 2, (a, b) => ck.summary(a as never, b as never)],
  ['summary of a model', 1, (a) => ck.summary(new ck.Sequential(new ck.Conv2d(3, 4, 3)), a as never)],
  ['compare', 1, (a) => ck.compare(a as never)],
  ['spatialLayers', 1, (a) => ck.spatialLayers(a as never)],
  ['receptiveFields', 1, (a) => ck.receptiveFields(a as never)],
  ['coverageMap', 1, (a) => ck.coverageMap(a as never)],
  ['coverageMap of a stack', 2, (a, b) => ck.coverageMap(ck.dilatedStack(a as never, b as never))],
  ['dilatedStack', 2, (a, b) => ck.dilatedStack(a as never, b as never)],
  ['hdc', 2, (a, b) => ck.hdc(a as never, b as never)],
  ['setBackend', 1, (a) => ck.setBackend(a as never)],
  ['setWinograd', 1, (a) => ck.setWinograd(a as never)],
];

/** A PCG32 stream (convkit's own): the same seed draws the same calls. */
const seed = Number(process.env.CONVKIT_FUZZ_SEED ?? 2026);
const calls = Number(process.env.CONVKIT_FUZZ_CALLS ?? 4000);
const g = new ck.Generator(seed);
const int = (n: number) => Math.floor(g.uniform() * n);
const pick = <T>(items: readonly T[]): T => items[int(items.length)];

// Sizes are small or past every limit on their own (2^31 and more): a product of drawn sizes is either
// tiny or refused, never a valid multi-GiB allocation.
const NUMBERS = [-1, 0, 1, 2, 3, 1.5, -0, NaN, Infinity, -Infinity, 2 ** 31, 1e10, 2 ** 53];
const STRINGS = ['', '3', 'same', 'valid', 'zeros', 'reflect', 'circular', 'x'.repeat(100_000), '{"type": "Sequential", "layers": [{"type": "Conv2d"}]}', '{'];

const ODD_ARRAYS = [new Array(100_000).fill(1), new Array(100_000).fill('a'), [[1, 2], [3]], [2 ** 31, 2 ** 31], [1e5, 1e5], [1, 3, 2 ** 31, 2]];

function smallTensor(): ck.Tensor {
  const shape = Array.from({ length: int(5) }, () => int(4));
  return ck.randn(shape, g);
}

function hostile(depth = 0): unknown {
  switch (int(12)) {
    case 0: return pick(NUMBERS);
    case 1: return pick(STRINGS);
    case 2: return pick([undefined, null, true, {}, () => 1, Symbol('s'), 1n, new Uint8Array(16)]);
    case 3: return Array.from({ length: int(6) }, () => (g.uniform() < 0.8 ? int(4) : pick(NUMBERS)));
    case 4: return pick(ODD_ARRAYS);
    case 5: return smallTensor();
    case 6: return ck.randn([1 + int(2), 1 + int(4), 1 + int(6), 1 + int(6)], g);
    case 7: return { data: new Float32Array(4), shape: [1, 1, 2, 2] };
    case 8: return depth > 1 ? null : { stride: hostile(depth + 1), padding: hostile(depth + 1), dilation: hostile(depth + 1), groups: hostile(depth + 1), bias: hostile(depth + 1), paddingMode: hostile(depth + 1) };
    case 9: return pick([1, 2, 3, 4]);
    case 10: return depth > 1 ? null : Array.from({ length: 1 + int(3) }, () => ({ kernel: hostile(depth + 1), stride: [1, 1], dilation: hostile(depth + 1), padding: [0, 0] }));
    default: return depth > 1 ? null : Object.fromEntries(Array.from({ length: int(4) }, (_, i) => [pick(['weight', 'bias', `k${i}`, '0.weight']), hostile(depth + 1)]));
  }
}

test(`${calls} calls with hostile arguments return or throw a short ConvkitArgumentError (seed ${seed})`, { timeout: 120_000 }, () => {
  const failures = new Map<string, string>(); // the first failure of each entry point
  const backend = ck.getBackend();
  for (let i = 0; i < calls; i++) {
    const [name, arity, call] = ENTRY_POINTS[i % ENTRY_POINTS.length];
    const args = Array.from({ length: arity }, () => hostile());
    try {
      call(...args);
    } catch (e) {
      const ok = e instanceof ck.ConvkitArgumentError && e.message.length <= MAX_MESSAGE_CHARS;
      if (!ok && !failures.has(name)) {
        const described = args.map((a) => { try { return show(a); } catch { return typeof a; } }).join(', ');
        failures.set(name, `call ${i}: ${name}(${described.slice(0, 300)}) threw ${(e as Error)?.name}: ${String((e as Error)?.message).slice(0, 200)}`);
      }
    }
  }
  ck.setBackend(backend);
  assert.deepEqual([...failures.values()], []);
});
