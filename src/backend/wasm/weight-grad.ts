/**
 * The wasm backend's weight gradient of conv2d: depthwise layers on a direct kernel (a dot product per
 * tap), the rest as a GEMM per group over the positions (kernels/weight-grad.ts), the positions split
 * into slices whose partial sums are added in a fixed order, so that any number of threads gives the
 * same bits.
 */
import type { ConvGeometry } from '../backend.js';
import { conv2dWeightGrad as referenceWeightGrad } from '../reference/conv2d-grad.js';
import type { WasmInstance } from './instance.js';
import { Param } from './params.js';
import type { ThreadPool } from './pool.js';

/** The thresholds the forward's strategy also uses: below `tinyMacs` the reference kernel, below `parallelMacs` one thread. */
export interface WeightGradKnobs {
  readonly tinyMacs: number;
  readonly parallelMacs: number;
}

/** Positions per packed block: a block's dY rows and Col rows are dot products of this length. */
const TILE = 256;
/** Col is built KC rows at a time: a [KC x TILE] block (64 KiB) stays in L2 while every channel's dY passes it. */
const KC = 64;
/** Col rows 64 bytes longer than TILE, so that the rows a tile reads spread over L1's sets. */
const ROW_FLOATS = TILE + 16;
/** A slice holds at least this many positions: fewer make each task's dot products too short. */
const MIN_SLICE = 256;
/** Slices at most: enough tasks to balance threads, few enough partials to add up cheaply. */
const MAX_SLICES = 16;
/** The partials' memory at most. */
const MAX_PARTIAL_BYTES = 64 * 2 ** 20;
/** Tasks the GEMM aims for, splitting a group's output channels when there are few slices. */
const TARGET_TASKS = 8;
/** Floats of dW each task of the partials' sum adds up. */
const SUM_CHUNK = 16384;

function macsOf(g: ConvGeometry): number {
  return g.n * g.outH * g.outW * g.cOut * (g.cIn / g.groups) * g.kH * g.kW;
}

/** A run's kernel, tasks and memory, beyond the geometry's fields. */
interface Plan {
  kernel: 'weightGradGemmTask' | 'depthwiseWeightGradTask';
  tasks: number;
  workspaceBytes: number;
  slices: number;
  fields: Partial<Record<Param, number>>;
}

/**
 * Depthwise: the channel's plane padded and split into column phases (HP rows of SW phases of WP
 * floats), WP covering the whole vectors of output columns at the farthest tap.
 */
function depthwisePlan(g: ConvGeometry): Plan {
  const hp = (g.outH - 1) * g.strideH + (g.kH - 1) * g.dilationH + 1;
  const phaseW = Math.ceil(g.outW / 4) * 4 + Math.floor(((g.kW - 1) * g.dilationW) / g.strideW);
  const slots = Math.ceil((g.kH * g.kW) / 4) * 4;
  // padPlane zeroes padTop rows and padLeft columns even past a plane that keeps fewer
  const planeFloats = (hp + g.padTop + 1) * g.strideW * phaseW + g.padLeft;
  return {
    kernel: 'depthwiseWeightGradTask', tasks: g.cIn, slices: 1,
    workspaceBytes: Math.ceil(((g.cOut / g.cIn) * slots * 4 + planeFloats) / 16) * 64,
    fields: { [Param.HP]: hp, [Param.WP]: phaseW },
  };
}

function gemmPlan(g: ConvGeometry): Plan {
  const m = g.cOut / g.groups;
  const K = (g.cIn / g.groups) * g.kH * g.kW;
  const positions = g.n * g.outH * g.outW;
  const dwBytes = g.cOut * K * 4;
  const slices = Math.max(1, Math.min(MAX_SLICES, Math.floor(positions / MIN_SLICE), Math.floor(MAX_PARTIAL_BYTES / dwBytes)));
  const mPanels = Math.ceil(m / 4);
  const mBlocks = Math.max(1, Math.min(mPanels, Math.ceil(TARGET_TASKS / (slices * g.groups))));
  const blockRows = Math.ceil(mPanels / mBlocks) * 4;
  return {
    kernel: 'weightGradGemmTask', tasks: slices * g.groups * mBlocks, slices,
    workspaceBytes: (blockRows * TILE + KC * ROW_FLOATS) * 4,
    fields: {
      [Param.K]: K, [Param.KC]: KC, [Param.M_PANELS]: mPanels, [Param.M_BLOCKS]: mBlocks, [Param.TILE]: TILE, [Param.WP]: ROW_FLOATS,
      [Param.SLICES]: slices, [Param.SUM_CHUNK]: SUM_CHUNK,
    },
  };
}

/** dL/dweight of conv2d into `gradWeight` (`cOut * (cIn / groups) * kH * kW` floats). */
export function runConv2dWeightGrad(
  instance: WasmInstance, pool: ThreadPool, knobs: WeightGradKnobs, g: ConvGeometry,
  input: Float32Array, gradOutput: Float32Array, gradWeight: Float32Array,
): void {
  if (macsOf(g) < knobs.tinyMacs || g.n * g.outH * g.outW === 0) {
    referenceWeightGrad(g, input, gradOutput, gradWeight);
    return;
  }
  const p = g.groups === g.cIn && g.cIn > 1 ? depthwisePlan(g) : gemmPlan(g);
  const where = 'conv2dWeightGrad';
  instance.reset();
  const params = instance.alloc(where, Param.COUNT * 4);
  const inputAt = instance.alloc(where, input.length * 4);
  const gradOutputAt = instance.alloc(where, gradOutput.length * 4);
  const outputAt = instance.alloc(where, gradWeight.length * 4);
  const partialsAt = p.slices > 1 ? instance.alloc(where, p.slices * gradWeight.length * 4) : 0;
  const workspaceAt = instance.alloc(where, pool.size * p.workspaceBytes);
  instance.write(inputAt, input);
  instance.write(gradOutputAt, gradOutput);

  const block = new Int32Array(Param.COUNT);
  block[Param.N] = g.n;
  block[Param.C_IN] = g.cIn;
  block[Param.H] = g.h;
  block[Param.W] = g.w;
  block[Param.C_OUT] = g.cOut;
  block[Param.KH] = g.kH;
  block[Param.KW] = g.kW;
  block[Param.SH] = g.strideH;
  block[Param.SW] = g.strideW;
  block[Param.PT] = g.padTop;
  block[Param.PL] = g.padLeft;
  block[Param.DH] = g.dilationH;
  block[Param.DW] = g.dilationW;
  block[Param.GROUPS] = g.groups;
  block[Param.OUT_H] = g.outH;
  block[Param.OUT_W] = g.outW;
  block[Param.INPUT] = inputAt;
  block[Param.GRAD_OUTPUT] = gradOutputAt;
  block[Param.OUTPUT] = outputAt;
  block[Param.PARTIALS] = partialsAt;
  block[Param.WORKSPACE] = workspaceAt;
  block[Param.WORKSPACE_BYTES] = p.workspaceBytes;
  for (const key in p.fields) block[Number(key)] = p.fields[Number(key) as Param] as number;
  instance.writeInts(params, block);

  const parallel = macsOf(g) >= knobs.parallelMacs;
  pool.run(p.kernel, params, p.tasks, parallel);
  if (p.slices > 1) pool.run('weightGradSumTask', params, Math.ceil(gradWeight.length / SUM_CHUNK), parallel);
  instance.readInto(outputAt, gradWeight);
}
