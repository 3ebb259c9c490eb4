/**
 * The wasm backend's conv2d: picks a strategy from the geometry, lays out memory, and runs the
 * strategy's tasks on the thread pool.
 */
import type { ConvGeometry } from '../backend.js';
import { conv2d as referenceConv2d } from '../reference/conv2d.js';
import type { WasmInstance } from './instance.js';
import { Param } from './params.js';
import type { TaskKernel, ThreadPool } from './pool.js';

export const thresholds = {
  /** Below this many MACs the reference kernel wins: no copies into WebAssembly memory, no set-up. */
  tinyMacs: 4096,
  /** Below this many MACs one thread wins: waking the workers costs about 50 us. */
  parallelMacs: 1 << 21,
};
/** K and N blocking of the GEMM: a [KC x NC] block of im2col (128 KiB) stays in L2 and its 8-column panels in L1. */
const KC = 256;
const NC = 128;

export type Strategy = 'reference' | 'depthwise' | 'gemm-pointwise' | 'gemm-im2col';

export function macsOf(g: ConvGeometry): number {
  return g.n * g.outH * g.outW * g.cOut * (g.cIn / g.groups) * g.kH * g.kW;
}

export function chooseStrategy(g: ConvGeometry): Strategy {
  if (macsOf(g) < thresholds.tinyMacs) return 'reference';
  if (g.groups === g.cIn && g.cIn > 1) return 'depthwise';
  const unpadded = g.padTop === 0 && g.padBottom === 0 && g.padLeft === 0 && g.padRight === 0;
  if (g.kH === 1 && g.kW === 1 && g.strideH === 1 && g.strideW === 1 && unpadded) return 'gemm-pointwise';
  return 'gemm-im2col';
}

/** How a strategy runs: its task kernel, how many tasks, each worker's workspace, and whether weights are packed. */
interface Plan {
  kernel: TaskKernel;
  tasks: number;
  workspaceBytes: number;
  packed: boolean;
  blocking: { K: number; tiles: number; mPanels: number };
}

function plan(strategy: Exclude<Strategy, 'reference'>, g: ConvGeometry): Plan {
  if (strategy === 'depthwise') {
    const hp = (g.outH - 1) * g.strideH + (g.kH - 1) * g.dilationH + 1;
    const wp = Math.ceil(g.outW / 4) * 4 * g.strideW + (g.kW - 1) * g.dilationW + 4;
    return { kernel: 'depthwiseTask', tasks: g.n * g.cIn, workspaceBytes: hp * wp * 4, packed: false, blocking: { K: 0, tiles: 0, mPanels: 0 } };
  }
  const K = (g.cIn / g.groups) * g.kH * g.kW;
  const tiles = Math.ceil((g.outH * g.outW) / NC);
  const mPanels = Math.ceil(g.cOut / g.groups / 4);
  return { kernel: 'gemmConvTask', tasks: g.n * g.groups * tiles, workspaceBytes: 128 + KC * NC * 4, packed: true, blocking: { K, tiles, mPanels } };
}

export function runConv2d(
  instance: WasmInstance, pool: ThreadPool, g: ConvGeometry,
  input: Float32Array, weight: Float32Array, bias: Float32Array | null, output: Float32Array,
): void {
  const strategy = chooseStrategy(g);
  if (strategy === 'reference') {
    referenceConv2d(g, input, weight, bias, output);
    return;
  }
  const p = plan(strategy, g);
  const where = 'conv2d';
  instance.reset();
  const params = instance.alloc(where, Param.COUNT * 4);
  const inputAt = instance.alloc(where, input.length * 4);
  const weightAt = instance.alloc(where, weight.length * 4);
  const biasAt = bias === null ? 0 : instance.alloc(where, bias.length * 4);
  const packedAt = p.packed ? instance.alloc(where, g.groups * p.blocking.mPanels * p.blocking.K * 16) : weightAt;
  const packedBiasAt = p.packed ? instance.alloc(where, g.groups * p.blocking.mPanels * 16) : biasAt;
  const outputAt = instance.alloc(where, output.length * 4);
  const workspaceAt = instance.alloc(where, pool.size * p.workspaceBytes);
  instance.write(inputAt, input);
  instance.write(weightAt, weight);
  if (bias !== null) instance.write(biasAt, bias);

  const block = new Array<number>(Param.COUNT).fill(0);
  Object.assign(block, {
    [Param.N]: g.n, [Param.C_IN]: g.cIn, [Param.H]: g.h, [Param.W]: g.w, [Param.C_OUT]: g.cOut, [Param.KH]: g.kH, [Param.KW]: g.kW,
    [Param.SH]: g.strideH, [Param.SW]: g.strideW, [Param.PT]: g.padTop, [Param.PL]: g.padLeft, [Param.DH]: g.dilationH, [Param.DW]: g.dilationW,
    [Param.GROUPS]: g.groups, [Param.OUT_H]: g.outH, [Param.OUT_W]: g.outW,
    [Param.INPUT]: inputAt, [Param.WEIGHT]: packedAt, [Param.BIAS]: packedBiasAt, [Param.OUTPUT]: outputAt,
    [Param.K]: p.blocking.K, [Param.KC]: KC, [Param.NC]: NC, [Param.TILES]: p.blocking.tiles, [Param.POINTWISE]: strategy === 'gemm-pointwise' ? 1 : 0,
    [Param.WORKSPACE]: workspaceAt, [Param.WORKSPACE_BYTES]: p.workspaceBytes, [Param.M_PANELS]: p.blocking.mPanels,
  });
  instance.writeInts(params, block);
  if (p.packed) instance.exports.packWeights(params, weightAt, biasAt);
  pool.run(p.kernel, params, p.tasks, macsOf(g) >= thresholds.parallelMacs);
  output.set(instance.read(outputAt, output.length));
}
