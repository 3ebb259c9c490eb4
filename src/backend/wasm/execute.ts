/** Lays a planned layer out in the WebAssembly arena and runs its tasks on the thread pool. */
import type { Activation, ConvGeometry } from '../backend.js';
import type { WasmInstance } from './instance.js';
import { Param, writeGeometry } from './params.js';
import type { Feed, TaskKernel, ThreadPool } from './pool.js';
import { packedFloats, type KernelWeights, type Prepared } from './prepare.js';
import type { Plan } from './plan.js';
import { macsOf, tuning } from './strategy.js';
import { phases, positions, type TileSize } from './winograd.js';

/** Winograd's input and output transform kernels for each tile size. */
const TRANSFORMS: Record<TileSize, { input: TaskKernel; output: TaskKernel }> = {
  2: { input: 'winograd2InputTask', output: 'winograd2OutputTask' },
  4: { input: 'winograd4InputTask', output: 'winograd4OutputTask' },
  6: { input: 'winograd6InputTask', output: 'winograd6OutputTask' },
  7: { input: 'winograd7InputTask', output: 'winograd7OutputTask' },
};

/** The kernels' numbering of the activations (kernels/activation.ts). */
const ACTIVATION: Record<Activation, number> = { none: 0, relu: 1, relu6: 2 };

/** Bytes of input a feed copies in at a time: the first workers start after microseconds. */
const FEED_BYTES = 256 * 1024;

/** Feeds `planes` planes of `input` to the WebAssembly memory at `at`, FEED_BYTES at a time; task t reads plane t. */
function planeFeed(instance: WasmInstance, input: Float32Array, at: number, planes: number): Feed {
  const floats = input.length / planes;
  const per = Math.max(1, Math.floor(FEED_BYTES / (floats * 4)));
  return {
    chunks: Math.ceil(planes / per),
    copy(chunk) {
      const end = Math.min(planes, (chunk + 1) * per);
      instance.write(at + chunk * per * floats * 4, input.subarray(chunk * per * floats, end * floats));
      return end;
    },
  };
}

/**
 * Lays `weight` and `bias` out in the arena as the plan's kernel reads them: packed in panels of output
 * channels for the GEMM paths, as given for depthwise; Winograd reads its transformed weights instead,
 * and the bias as given. Returns their offsets (0 for a missing bias).
 */
export function layWeights(instance: WasmInstance, g: ConvGeometry, p: Plan, weight: Float32Array, bias: Float32Array | null): KernelWeights {
  const where = 'conv2d';
  const weightAt = p.winograd === undefined ? instance.alloc(where, weight.length * 4) : 0;
  const biasAt = bias === null ? 0 : instance.alloc(where, bias.length * 4);
  if (weightAt !== 0) instance.write(weightAt, weight);
  if (bias !== null) instance.write(biasAt, bias);
  if (!p.packed) return { weights: weightAt, biases: biasAt };
  const floats = packedFloats(g, p);
  const packed = { weights: instance.alloc(where, floats.weights * 4), biases: instance.alloc(where, floats.biases * 4) };
  const params = instance.alloc(where, Param.COUNT * 4);
  const block = new Int32Array(Param.COUNT);
  writeGeometry(block, g);
  for (const key in p.fields) block[Number(key)] = p.fields[Number(key) as Param] as number;
  block[Param.WEIGHT] = packed.weights;
  block[Param.BIAS] = packed.biases;
  instance.writeInts(params, block);
  instance.exports.packWeights(params, weightAt, biasAt);
  return packed;
}

/**
 * Lays a layer out in the arena from where it stands and runs it. `input` and `output` are arrays to copy
 * in and out, or offsets in WebAssembly memory (between the layers of a network); `residual`, where not
 * 0, the offset of an array laid out as the output that is added to it before the activation.
 */
export function execute(
  instance: WasmInstance, pool: ThreadPool, g: ConvGeometry, { p, transformed, resident }: Prepared,
  input: Float32Array | number, weight: Float32Array, bias: Float32Array | null, output: Float32Array | number, activation: Activation,
  residual = 0,
): void {
  const where = 'conv2d';
  const params = instance.alloc(where, Param.COUNT * 4);
  // An unpadded stride-1 input goes straight into its planes, at the plane stride the direct kernel
  // wants; one in memory is read where it lies, where the plan is for planes one after another
  const unpadded = p.kernel === 'gemmDirectTask' && p.split === 1 && g.padTop + g.padBottom + g.padLeft + g.padRight === 0;
  const inPlace = unpadded && (typeof input !== 'number' || p.paddedPlane === g.h * g.w);
  const inputAt = typeof input === 'number' ? input : inPlace ? 0 : instance.alloc(where, input.length * 4);
  const kernelWeights = resident ?? layWeights(instance, g, p, weight, bias);
  const paddedAt = p.paddedPlane === null ? 0 : inPlace && typeof input === 'number' ? input : instance.alloc(where, g.n * g.cIn * p.paddedPlane * 4);
  const offsetsAt = p.offsets === null ? 0 : instance.alloc(where, p.offsets.length * 4);
  const outputAt = typeof output === 'number' ? output : instance.alloc(where, output.length * 4);
  const workspaceAt = instance.alloc(where, pool.size * p.workspaceBytes);
  let wino: { v: number; m: number; u: number; zero: number } | null = null;
  if (p.winograd !== undefined) {
    const zeros = new Float32Array(Math.ceil(g.cOut / g.groups / 4) * 4);
    wino = {
      v: instance.alloc(where, positions(p.winograd.tile) * (p.fields[Param.V_XY] ?? 0) * 4),
      m: instance.alloc(where, positions(p.winograd.tile) * (p.fields[Param.M_XY] ?? 0) * 4),
      u: transformed,
      zero: instance.alloc(where, zeros.length * 4),
    };
    instance.write(wino.zero, zeros);
  }
  const parallel = macsOf(g) >= (typeof input === 'number' ? tuning.parallelMacs / 32 : tuning.parallelMacs);
  const padKernel: TaskKernel | null = p.paddedPlane !== null && !inPlace ? (p.split > 1 ? 'splitTask' : 'padTask') : null;
  // the first kernel's task t reads plane t alone (a padded copy, or depthwise): the input is fed to it,
  // so that on threads the workers start on the planes already copied in while the caller copies the rest
  const feed = typeof input !== 'number' && (padKernel !== null || p.kernel === 'depthwiseTask') ? planeFeed(instance, input, inputAt, g.n * g.cIn) : null;
  if (inPlace && p.paddedPlane !== null && typeof input !== 'number') {
    const planeIn = g.h * g.w;
    for (let i = 0; i < g.n * g.cIn; i++) instance.write(paddedAt + i * p.paddedPlane * 4, input.subarray(i * planeIn, (i + 1) * planeIn));
  } else if (typeof input !== 'number' && feed === null) {
    instance.write(inputAt, input);
  }
  if (p.offsets !== null) instance.writeInts(offsetsAt, p.offsets);

  const block = new Int32Array(Param.COUNT);
  writeGeometry(block, g);
  // the GEMM kernels add a residual as they write; the others leave it to a pass of their output
  const fusesResidual = p.kernel === 'gemmDirectTask' || p.kernel === 'gemmIm2colTask' || p.kernel === 'denseTask';
  const separate = residual !== 0 && !fusesResidual;
  block[Param.ACTIVATION] = separate ? 0 : ACTIVATION[activation];
  block[Param.RESIDUAL] = separate ? 0 : residual;
  block[Param.INPUT] = inputAt;
  block[Param.WEIGHT] = kernelWeights.weights;
  block[Param.BIAS] = kernelWeights.biases;
  block[Param.OUTPUT] = outputAt;
  block[Param.OFFSETS] = offsetsAt;
  block[Param.PADDED] = paddedAt;
  block[Param.WORKSPACE] = workspaceAt;
  block[Param.WORKSPACE_BYTES] = p.workspaceBytes;
  if (wino !== null) {
    block[Param.V] = wino.v;
    block[Param.M] = wino.m;
    block[Param.U] = wino.u;
    block[Param.ZERO] = wino.zero;
  }
  for (const key in p.fields) block[Number(key)] = p.fields[Number(key) as Param] as number;
  instance.writeInts(params, block);
  if (padKernel !== null) pool.run(padKernel, params, g.n * g.cIn, parallel, feed);
  if (p.winograd !== undefined) pool.run(TRANSFORMS[p.winograd.tile].input, params, g.n * g.cIn * phases(p.winograd.tile), parallel);
  pool.run(p.kernel, params, p.tasks, parallel, padKernel === null ? feed : null);
  if (p.winograd !== undefined) pool.run(TRANSFORMS[p.winograd.tile].output, params, g.n * g.cOut, parallel);
  if (separate) instance.exports.residualFloats(outputAt, residual, ACTIVATION[activation], g.n * g.cOut * g.outH * g.outW);
  if (typeof output !== 'number') instance.readInto(outputAt, output);
}
