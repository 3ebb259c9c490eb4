/**
 * The wasm backend's weight gradient of conv2d: depthwise layers on a direct kernel (a dot product per
 * tap), 3x3 stride-1 layers on Winograd's F(4x4, 3x3) or F(6x6, 3x3) transposed, the rest as a GEMM per
 * group over the positions (kernels/weight-grad.ts), the positions split into slices whose partial sums
 * are added in a fixed order. Every path gives the same bits on any number of threads.
 */
import type { ConvGeometry } from '../backend.js';
import { conv2dWeightGrad as referenceWeightGrad } from '../reference/conv2d-grad.js';
import type { WasmInstance } from './instance.js';
import { Param, writeGeometry } from './params.js';
import type { ThreadPool } from './pool.js';
import { macsOf } from './strategy.js';
import { depthwisePlan, gemmPlan, winogradBytes, winogradTileCount, winogradPlan, winogradWaste, type WeightGradPlan, type WinogradTile } from './weight-grad-plan.js';

/** The forward's knobs that the weight gradient follows: below `tinyMacs` the reference kernel, below `parallelMacs` one thread, Winograd on or off. */
export interface WeightGradKnobs {
  readonly tinyMacs: number;
  readonly parallelMacs: number;
  readonly winograd: boolean;
}

/** For tests and benchmarks, not public API: a path to take wherever it applies instead of the chosen one. */
export const weightGradTuning = { force: null as 'gemm' | 'winograd-f4' | 'winograd-f6' | null };

/**
 * Winograd pays from this many channels per group on both sides (measured, one thread: 16 channels per
 * group of 32x32 tie with the GEMM; 64 channels of 56x56 run 3.4x faster, 128 of 28x28 2.1x).
 */
const WINOGRAD_MIN_CHANNELS = 32;
/**
 * Computed outputs per kept one, at most: 4x4 tiles overhanging small (sub-)images (measured: 256
 * channels of 33x33 at dilation 6, sub-images of 6x6 outputs, waste 2.1, 1.3x faster than the GEMM).
 */
const WINOGRAD_MAX_WASTE = 2.2;
/**
 * Tiles (over the batch) from which Winograd pays: its transform-domain gradient U, (m + 2)^2 times
 * dW's size, is written and read whatever the tiles (measured: 512 channels of 7x7, 4 tiles, 2.6x
 * slower than the GEMM; 128 of 28x28, 49 tiles, 1.4x faster).
 */
const WINOGRAD_MIN_TILES = 16;
/**
 * Winograd's transformed input and gradient at most (the GEMM needs a few partial dWs): large batches of
 * large images would not fit in WebAssembly's 4 GiB.
 */
const WINOGRAD_MAX_BYTES = 512 * 2 ** 20;

/**
 * Winograd's GEMM multiplies per kept output relative to the direct sum's 9, for each tile size: (m + 2)^2
 * per m^2, F(6x6)'s raised 12% for its heavier transforms, as the forward's choice does.
 */
const WINOGRAD_COST: Record<WinogradTile, number> = { 4: 36 / 16, 6: (64 / 36) * 1.12 };

/** The tile size with the fewest multiplies per kept output, among those that pay; null where none does. */
function winogradTile(g: ConvGeometry): WinogradTile | null {
  const usable = ([4, 6] as const).filter((m) => winogradWaste(g, m) <= WINOGRAD_MAX_WASTE && winogradTileCount(g, m) >= WINOGRAD_MIN_TILES &&
    winogradBytes(g, m) <= WINOGRAD_MAX_BYTES);
  const score = (m: WinogradTile) => winogradWaste(g, m) * WINOGRAD_COST[m];
  return usable.sort((a, b) => score(a) - score(b))[0] ?? null;
}

function choosePlan(g: ConvGeometry, knobs: WeightGradKnobs): WeightGradPlan {
  if (g.groups === g.cIn && g.cIn > 1) return depthwisePlan(g);
  const winograd = g.kH === 3 && g.kW === 3 && g.strideH === 1 && g.strideW === 1;
  const force = weightGradTuning.force;
  if (force !== null) return force !== 'gemm' && winograd ? winogradPlan(g, force === 'winograd-f4' ? 4 : 6) : gemmPlan(g);
  const channels = Math.min(g.cIn, g.cOut) / g.groups;
  const tile = winograd && knobs.winograd && channels >= WINOGRAD_MIN_CHANNELS ? winogradTile(g) : null;
  return tile === null ? gemmPlan(g) : winogradPlan(g, tile);
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
  const p = choosePlan(g, knobs);
  const where = 'conv2dWeightGrad';
  instance.reset();
  const params = instance.alloc(where, Param.COUNT * 4);
  const inputAt = instance.alloc(where, input.length * 4);
  const gradOutputAt = instance.alloc(where, gradOutput.length * 4);
  const outputAt = instance.alloc(where, gradWeight.length * 4);
  const workspaceAt = instance.alloc(where, pool.size * p.workspaceBytes);
  instance.write(inputAt, input);
  instance.write(gradOutputAt, gradOutput);

  const block = new Int32Array(Param.COUNT);
  writeGeometry(block, g);
  block[Param.INPUT] = inputAt;
  block[Param.GRAD_OUTPUT] = gradOutputAt;
  block[Param.OUTPUT] = outputAt;
  block[Param.WORKSPACE] = workspaceAt;
  block[Param.WORKSPACE_BYTES] = p.workspaceBytes;
  for (const key in p.fields) block[Number(key)] = p.fields[Number(key) as Param] as number;
  for (const key in p.buffers) block[Number(key)] = instance.alloc(where, p.buffers[Number(key) as Param] as number);
  for (const key in p.tables) {
    const table = p.tables[Number(key) as Param] as Int32Array;
    block[Number(key)] = instance.alloc(where, table.length * 4);
    instance.writeInts(block[Number(key)] as number, table);
  }
  instance.writeInts(params, block);

  const parallel = macsOf(g) >= knobs.parallelMacs;
  for (const [kernel, tasks] of p.runs) pool.run(kernel, params, tasks, parallel);
  instance.readInto(outputAt, gradWeight);
}
