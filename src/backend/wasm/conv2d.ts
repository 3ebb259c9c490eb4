/**
 * The wasm backend's conv2d: picks a strategy from the geometry, lays out memory, and runs the
 * strategy's tasks on the thread pool.
 */
import type { Activation, ConvGeometry, ConvStep } from '../backend.js';
import { conv2d as referenceConv2d } from '../reference/conv2d.js';
import type { WasmInstance } from './instance.js';
import { Param } from './params.js';
import type { Feed, TaskKernel, ThreadPool } from './pool.js';
import { phases, positions, span, transformedWeights, type TileSize } from './winograd.js';

/** The knobs of the strategy choice, for tests and benchmarks; not public API. */
export const tuning = {
  /** Below this many MACs the reference kernel wins: no copies into WebAssembly memory, no set-up. */
  tinyMacs: 4096,
  /** Below this many MACs one thread wins: waking the workers costs about 50 us. */
  parallelMacs: 1 << 21,
  /** A strategy to use wherever it applies instead of the chosen one. */
  force: null as Strategy | null,
  /** Winograd for 3x3 stride-1 convolutions (`setWinograd`). */
  winograd: true,
};

/** K is walked in blocks of KC: a 4 x KC panel of weights (4 KiB) stays in L1, and so do the B rows a tile reads. */
const KC = 256;
/**
 * Above this K the direct kernel's reads, spread over many planes and rows, fall out of L1 and, once a
 * group's padded input passes DIRECT_MAX_BYTES, out of L2; im2col's block does not. Measured, 3x3
 * stride 1: 512 channels of 8x8 or 9x9 run 1.1-1.25x faster direct, 256 of 35x35 1.13x faster on im2col.
 */
const DIRECT_MAX_K = 1024;
const DIRECT_MAX_BYTES = 512 * 1024;
/** Output positions per im2col task: its [KC x 128] block (128 KiB) stays in L2. */
const IM2COL_TILE = 128;
/** Output positions a direct task aims for (whole rows). */
const DIRECT_TILE = 256;
/** F(4x4, 3x3) keeps within 1e-4 of the direct sum up to this many input channels per group (measured: 2.9e-5 at 1024). */
const WINOGRAD_MAX_CHANNELS = 1024;
/**
 * Winograd's GEMM columns for `tiles` tiles an image: a row of V and M holds every image's tiles, each
 * image's from a multiple of 4 (the kernels' imageColumns), so that the GEMMs span the batch.
 */
function gemmColumns(images: number, tiles: number): number {
  return (images - 1) * Math.ceil(tiles / 4) * 4 + tiles;
}

/** The tile sizes of F(m x m, 3x3), for 3x3 stride-1 layers. */
type Tile3 = Exclude<TileSize, 7>;
/**
 * Tiles per transform-domain GEMM task: as many as keep the task's B, (input rows of V) x (tiles) floats,
 * within 16 KiB of L1 while the task's weights stream past it, between 16 and 64 (measured: on 256
 * channels 16 tiles ran 8-12% faster than 64, on 64 channels 64 ran 7% faster than 8).
 */
function winogradChunk(K: number): number {
  return Math.max(16, Math.min(64, 2 ** Math.floor(Math.log2(4096 / K))));
}
/**
 * Below these, Winograd's transforms cost more than the multiplies they save (measured against the
 * direct kernel, one thread: 8 channels per group tie or lose at 16x16 to 56x56, 12 win by 15%, 16 by
 * 25-30%; with 4 tiles the transformed weights, 4x the weights, are read for too little work).
 */
const WINOGRAD_MIN_CHANNELS = 12;
const WINOGRAD_MIN_TILES = 16;
/**
 * Computed outputs per kept one, at most, for each tile size: large tiles overhang small images.
 * Measured: 10x10 outputs (1.44 for 4x4 tiles) run faster on F(2x2), 14x14 (1.31) on F(4x4); F(2x2)
 * past 1.5 keeps too little of its 2.25x saving; 4 images of 128x10x10 ran 1.5x faster on F(6x6), at
 * 1.44, than on F(2x2).
 */
const WINOGRAD_MAX_WASTE: Record<Tile3, number> = { 6: 1.45, 4: 1.35, 2: 1.5 };
/** The same for F(7x7, 2x2): image sides that 7 divides (7, 14, 28, 56, 112) waste nothing. */
const WINOGRAD_S2_MAX_WASTE = 1.35;
/**
 * Multiplies per output relative to one per tap (F(m x m): (m + 2)^2 per m^2), F(6x6)'s raised 12% for
 * its heavier transforms (measured: even with F(4x4) at 56x56 and 28x28, ahead at 33x33, and 1.7x ahead
 * on DeepLab's 6x6 sub-images, where 4x4 tiles waste 44%).
 */
const WINOGRAD_COST: Record<Tile3, number> = { 6: (64 / 36) * 1.12, 4: 36 / 16, 2: 16 / 4 };
/**
 * Tiles that overhang much still pay while their multiplies stay under this share of the direct sum's
 * (measured: 512 channels of 33x33 at dilation 12, sub-images of 3x3 outputs, 4x4 tiles at 0.53 of the
 * multiplies ran 1.6x faster than im2col; 2x2 ones at 0.79 ran 1.07x slower).
 */
const WINOGRAD_MAX_SHARE = 0.6;
/** F(6x6, 3x3) keeps within 1e-4 up to this many input channels per group (2.4e-5 at 512, 5.1e-5 at 1024). */
const WINOGRAD_F6_MAX_CHANNELS = 512;
/**
 * Channels per group from which F(7x7, 2x2) beats the direct kernel at stride 2 (measured, one image of
 * 56x56 or 112x112: 12 and 16 channels tie or lose by up to 6%, 24 win by 14-19%).
 */
const WINOGRAD_S2_MIN_CHANNELS = 24;
/** F(7x7, 2x2) on a stride-2 layer's phases sums 4 per input channel (measured, against the direct sum: 4.5e-5 at 256, 6.7e-5 at 1024). */
const WINOGRAD_S2_MAX_CHANNELS = 256;

export type Strategy = 'reference' | 'depthwise' | 'gemm-direct' | 'gemm-im2col' | 'winograd-f2' | 'winograd-f4' | 'winograd-f6' | 'winograd-s2';

/** Each Winograd strategy's output tile size ('winograd-s2': F(7x7, 2x2) over a 3x3 stride-2 layer's four phases). */
const WINOGRAD_TILE: Partial<Record<Strategy, TileSize>> = { 'winograd-f2': 2, 'winograd-f4': 4, 'winograd-f6': 6, 'winograd-s2': 7 };

export function macsOf(g: ConvGeometry): number {
  return g.n * g.outH * g.outW * g.cOut * (g.cIn / g.groups) * g.kH * g.kW;
}

/**
 * The kernel a convolution runs on: tiny ones on the reference kernel; depthwise ones (groups = C_in)
 * on the direct depthwise kernel; 3x3 stride-1 ones (dilated too) with at least 12 channels per group and
 * 16 tiles on Winograd, F(6x6, 3x3), F(4x4, 3x3) or F(2x2, 3x3), whichever does the fewest multiplies
 * per kept output, and 3x3 stride-2 ones with 24 to 256 channels per group and 16 tiles of 7x7 outputs
 * on F(7x7, 2x2) over the input's four phases ('winograd-s2'), unless `setWinograd(false)`;
 * the rest on the GEMM, reading B straight from the input
 * ('gemm-direct': stride 1 with K <= 1024 or a group's padded input within 512 KiB, from the input's
 * planes in place or a padded copy, laid an odd number of cache lines apart (planes a multiple of 4 KiB
 * apart, as 32x32 ones are, share L1 sets and made a 1x1 convolution 2x slower); equal strides no
 * larger than the kernel, within 512 KiB, from the padded input split into stride x stride sub-images)
 * or from im2col blocks ('gemm-im2col').
 */
export function chooseStrategy(g: ConvGeometry): Strategy {
  const depthwise = g.groups === g.cIn && g.cIn > 1;
  const strideOne = g.strideH === 1 && g.strideW === 1;
  const winograd = strideOne && g.kH === 3 && g.kW === 3 && g.dilationH === g.dilationW && g.cIn / g.groups <= WINOGRAD_MAX_CHANNELS;
  const strideTwo = g.strideH === 2 && g.strideW === 2 && g.kH === 3 && g.kW === 3 && g.dilationH === 1 && g.dilationW === 1;
  const forced = tuning.force;
  const forcedWinograd = forced === 'winograd-f2' || forced === 'winograd-f4' || forced === 'winograd-f6';
  if (forced === 'reference' || forced === 'gemm-im2col' || (forced === 'depthwise' && depthwise) || (forced === 'gemm-direct' && g.strideH === g.strideW) ||
    (forcedWinograd && winograd) || (forced === 'winograd-s2' && strideTwo)) {
    return forced;
  }
  if (macsOf(g) < tuning.tinyMacs) return 'reference';
  if (depthwise) return 'depthwise';
  // a dilated layer splits into d x d sub-images, each covered by m x m tiles
  const d = g.dilationH;
  const tiles = (m: Tile3) => gemmColumns(g.n, d * d * Math.ceil(g.outH / d / m) * Math.ceil(g.outW / d / m));
  // outputs computed per output kept: 4x4 tiles overhanging a small (sub-)image waste their multiplies
  const waste = (m: Tile3) => (tiles(m) * m * m) / (g.n * g.outH * g.outW);
  if (winograd && tuning.winograd && g.cIn / g.groups >= WINOGRAD_MIN_CHANNELS && g.cOut / g.groups >= WINOGRAD_MIN_CHANNELS) {
    // the tile size with the fewest multiplies per kept output, among those whose tiles overhang little;
    // where all overhang much (small sub-images of a large dilation), the fewest multiplies still, if
    // that is at most WINOGRAD_MAX_SHARE of the direct sum's 9 per output
    const score = (m: Tile3) => waste(m) * WINOGRAD_COST[m];
    const usable = ([6, 4, 2] as const).filter((m) => tiles(m) >= WINOGRAD_MIN_TILES && (m !== 6 || g.cIn / g.groups <= WINOGRAD_F6_MAX_CHANNELS));
    const byScore = (list: Tile3[]) => list.sort((a, b) => score(a) - score(b))[0] as Tile3 | undefined;
    const best = byScore(usable.filter((m) => waste(m) <= WINOGRAD_MAX_WASTE[m])) ?? byScore(usable.filter((m) => score(m) <= 9 * WINOGRAD_MAX_SHARE));
    if (best !== undefined) return `winograd-f${best}`;
  }
  // 3x3 stride 2: F(7x7, 2x2) on the four phases does 4 x 64 / 49 multiplies per output and input channel,
  // 0.58 of the direct sum's 9; its transformed weights, 28x the weights, need 16 columns to pay for them
  // (measured: 256 channels, 4 images of 14x14 outputs, 16 tiles in all, 1.2x faster than im2col; one
  // image of 56x56, 16 tiles, 1.33x faster), and its four times as many input rows 24 channels
  const s2Tiles = gemmColumns(g.n, Math.ceil(g.outH / 7) * Math.ceil(g.outW / 7));
  if (strideTwo && tuning.winograd && g.cIn / g.groups >= WINOGRAD_S2_MIN_CHANNELS && g.cOut / g.groups >= WINOGRAD_S2_MIN_CHANNELS &&
    g.cIn / g.groups <= WINOGRAD_S2_MAX_CHANNELS && s2Tiles >= WINOGRAD_MIN_TILES && (s2Tiles * 49) / (g.n * g.outH * g.outW) <= WINOGRAD_S2_MAX_WASTE) {
    return 'winograd-s2';
  }
  const K = (g.cIn / g.groups) * g.kH * g.kW;
  const fitsL2 = (g.cIn / g.groups) * (g.h + g.padTop + g.padBottom) * (g.w + g.padLeft + g.padRight) * 4 <= DIRECT_MAX_BYTES;
  if (strideOne) return K <= DIRECT_MAX_K || fitsL2 ? 'gemm-direct' : 'gemm-im2col';
  // strided: the direct kernel reads the input split into stride x stride sub-images, all of them when
  // the kernel is at least the stride (measured: 3x3 stride 2 on 128 channels of 28x28 1.13x faster than
  // im2col, on 32 of 15x15 2.6x; on 64 of 56x56, 861 KiB a group, 1.16x slower; 1x1 stride 2 slower)
  return g.strideH === g.strideW && g.kH >= g.strideH && g.kW >= g.strideW && fitsL2 ? 'gemm-direct' : 'gemm-im2col';
}

/** Winograd's input and output transform kernels for each tile size. */
const TRANSFORMS: Record<TileSize, { input: TaskKernel; output: TaskKernel }> = {
  2: { input: 'winograd2InputTask', output: 'winograd2OutputTask' },
  4: { input: 'winograd4InputTask', output: 'winograd4OutputTask' },
  6: { input: 'winograd6InputTask', output: 'winograd6OutputTask' },
  7: { input: 'winograd7InputTask', output: 'winograd7OutputTask' },
};

/** Blocks of output channels per GEMM tile: enough tasks (8) to share among threads, in panels of 4. */
function channelBlocks(g: ConvGeometry, tiles: number, mPanels: number): number {
  return Math.max(1, Math.min(mPanels, Math.ceil(8 / (g.n * g.groups * tiles))));
}

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

/** Floats from one padded plane to the next: an odd number of 64-byte lines, so planes fall into different L1 sets. */
function planeStride(floats: number): number {
  const lines = Math.ceil(floats / 16);
  return (lines % 2 === 0 ? lines + 1 : lines) * 16;
}

/** What a run needs beyond the geometry: the task kernel and count, memory, and the parameter fields it sets. */
interface Plan {
  kernel: TaskKernel;
  tasks: number;
  workspaceBytes: number;
  packed: boolean;
  /** Floats per channel of the padded copy of the input (HP, WP and PLANE in the fields), if there is one. */
  paddedPlane: number | null;
  /** Sub-images per axis the padded plane is split into (SPLIT in the fields); 1: a plain padded copy. */
  split: number;
  offsets: Int32Array | null;
  /** Winograd's tile size. */
  winograd?: { tile: TileSize };
  fields: Partial<Record<Param, number>>;
}

function plan(strategy: Exclude<Strategy, 'reference'>, g: ConvGeometry): Plan {
  if (strategy === 'depthwise') {
    const fast = g.kH === 3 && g.kW === 3 && g.dilationH === 1 && g.dilationW === 1 && (g.strideW === 1 || g.strideW === 2);
    // MobileNet's 3x3 layers, padded 1 on every side, read their rows in place (HP = 0): a row of zeros
    // stands for the rows above and below the plane, and registers make up the columns
    const inPlace = fast && g.strideH === g.strideW && g.padTop === 1 && g.padLeft === 1 &&
      g.outH === Math.floor((g.h - 1) / g.strideH) + 1 && g.outW === Math.floor((g.w - 1) / g.strideW) + 1;
    if (inPlace) {
      return {
        // the kernel zeroes w + 16 floats: the last vector's reads at stride 2 end before w + 8
        kernel: 'depthwiseTask', tasks: g.n * g.cIn, workspaceBytes: (g.w + 16) * 4, packed: false, paddedPlane: null, split: 1, offsets: null,
        fields: { [Param.HP]: 0, [Param.WP]: 0 },
      };
    }
    // else a padded copy of the plane: the rows the convolution reads, and columns for whole vectors of
    // output; a 3x3 stride-2 kernel's rows are split into even and odd columns, each half with room for
    // the last vector's reads
    const hp = (g.outH - 1) * g.strideH + (g.kH - 1) * g.dilationH + 1;
    const vectors = Math.ceil(g.outW / 4) * 4;
    const wp = fast && g.strideW === 2 ? 2 * (vectors + 4) : vectors * g.strideW + (g.kW - 1) * g.dilationW + 8;
    return {
      kernel: 'depthwiseTask', tasks: g.n * g.cIn, workspaceBytes: hp * wp * 4, packed: false, paddedPlane: null, split: 1, offsets: null,
      fields: { [Param.HP]: hp, [Param.WP]: wp },
    };
  }
  const cInG = g.cIn / g.groups;
  const m = WINOGRAD_TILE[strategy];
  if (m !== undefined) {
    // a dilated convolution is d x d interleaved sub-images, each convolved as an undilated 3x3 (their tiles
    // in one row of V per channel); a stride-2 one is 2 x 2 phases, summed (a row of V per channel and phase)
    const ph = phases(m);
    const d = ph === 1 ? g.dilationH : 1;
    const split = ph === 1 ? d : 2;
    const tilesH = Math.ceil(Math.ceil(g.outH / d) / m);
    const tilesW = Math.ceil(Math.ceil(g.outW / d) / m);
    const perSub = tilesH * tilesW;
    const tiles = d * d * perSub;
    // the span x span input tiles, m apart, and the 8 columns F(4x4)'s transform loads from the last tile of a row
    const overlap = span(m) - m;
    const hp = m * tilesH + overlap;
    const wp = m * tilesW + (m === 4 ? 4 : overlap);
    const subPlane = planeStride(hp * wp);
    const columns = gemmColumns(g.n, tiles);
    const stride = planeStride(Math.ceil(columns / 8) * 8 + 8);
    const K = cInG * ph;
    const offsets = Int32Array.from({ length: K }, (_, k) => k * stride * 4);
    const chunk = winogradChunk(K);
    return {
      kernel: 'winogradGemmTask', tasks: positions(m) * g.groups * Math.ceil(columns / chunk), workspaceBytes: 4096, packed: false,
      paddedPlane: split * split * subPlane, split, offsets, winograd: { tile: m },
      fields: {
        [Param.K]: K, [Param.KC]: K, [Param.M_PANELS]: Math.ceil(g.cOut / g.groups / 4), [Param.HP]: hp, [Param.WP]: wp,
        [Param.PLANE]: split * split * subPlane, [Param.SUB_PLANE]: subPlane, [Param.SPLIT]: split, [Param.PHASES]: ph,
        [Param.TILES_W]: tilesW, [Param.TILES_S]: perSub, [Param.TILES_N]: tiles, [Param.STRIDE]: stride, [Param.CHUNK]: chunk,
        [Param.V_XY]: planeStride(g.cIn * ph * stride), [Param.M_XY]: planeStride(g.cOut * stride),
      },
    };
  }
  const K = cInG * g.kH * g.kW;
  const blocking = { [Param.K]: K, [Param.KC]: KC, [Param.M_PANELS]: Math.ceil(g.cOut / g.groups / 4) };
  const offsets = new Int32Array(strategy === 'gemm-direct' ? K : Math.min(K, KC));
  if (strategy === 'gemm-direct') {
    // a stride-s convolution reads the padded plane split into s x s sub-images (s = 1: the plane itself)
    const split = g.strideH;
    const hp = Math.ceil((g.h + g.padTop + g.padBottom) / split);
    const wp = Math.ceil((g.w + g.padLeft + g.padRight) / split);
    const subPlane = planeStride(hp * wp);
    const plane = split === 1 ? subPlane : planeStride(split * split * subPlane);
    // B's row k = (channel, ky, kx) for output (y, x) starts at padded[channel][s y + ky dH][s x + kx dW],
    // which is sub-image ((ky dH) % s, (kx dW) % s) at (y + floor(ky dH / s), x + floor(kx dW / s))
    for (let k = 0; k < K; k++) {
      const c = Math.floor(k / (g.kH * g.kW));
      const ky = (Math.floor(k / g.kW) % g.kH) * g.dilationH;
      const kx = (k % g.kW) * g.dilationW;
      const sub = (ky % split) * split + (kx % split);
      offsets[k] = (c * plane + sub * subPlane + Math.floor(ky / split) * wp + Math.floor(kx / split)) * 4;
    }
    const rows = Math.max(1, Math.floor(DIRECT_TILE / g.outW));
    const tiles = Math.ceil(g.outH / rows);
    const mBlocks = channelBlocks(g, tiles, blocking[Param.M_PANELS]);
    return {
      kernel: 'gemmDirectTask', tasks: g.n * g.groups * tiles * mBlocks, workspaceBytes: 128, packed: true, paddedPlane: plane, split, offsets,
      fields: {
        ...blocking, [Param.TILES]: tiles, [Param.TILE]: rows, [Param.PLANE]: plane, [Param.WP]: wp, [Param.HP]: hp, [Param.M_BLOCKS]: mBlocks,
        [Param.SPLIT]: split, [Param.SUB_PLANE]: subPlane,
      },
    };
  }
  // block rows 64 bytes longer than a multiple of 8 floats, so that a column of the block spreads over all L1 sets
  const rowFloats = IM2COL_TILE + 16;
  for (let k = 0; k < offsets.length; k++) offsets[k] = k * rowFloats * 4;
  const tiles = Math.ceil((g.outH * g.outW) / IM2COL_TILE);
  const mBlocks = channelBlocks(g, tiles, blocking[Param.M_PANELS]);
  return {
    kernel: 'gemmIm2colTask', tasks: g.n * g.groups * tiles * mBlocks, workspaceBytes: 128 + KC * rowFloats * 4, packed: true, paddedPlane: null, split: 1, offsets,
    fields: { ...blocking, [Param.TILES]: tiles, [Param.TILE]: IM2COL_TILE, [Param.WP]: rowFloats, [Param.M_BLOCKS]: mBlocks },
  };
}

/** A layer's strategy and plan, and the offset of its transformed weights (Winograd's, kept in memory). */
interface Prepared {
  p: Plan;
  transformed: number;
}

/** Plans a layer and keeps its transformed weights in memory; null for the reference kernel. */
function prepare(instance: WasmInstance, g: ConvGeometry, weight: Float32Array): Prepared | null {
  const strategy = chooseStrategy(g);
  if (strategy === 'reference') return null;
  const p = plan(strategy, g);
  // Winograd's transformed weights stay in WebAssembly memory while the weights are unchanged
  const transformed = p.winograd === undefined ? 0 : instance.keep('conv2d', transformedWeights(g, weight, p.winograd.tile));
  return { p, transformed };
}

/**
 * Lays a layer out in the arena from where it stands and runs it. `input` and `output` are arrays to copy
 * in and out, or offsets in WebAssembly memory (between the layers of a chain).
 */
function execute(
  instance: WasmInstance, pool: ThreadPool, g: ConvGeometry, { p, transformed }: Prepared,
  input: Float32Array | number, weight: Float32Array, bias: Float32Array | null, output: Float32Array | number, activation: Activation,
): void {
  const where = 'conv2d';
  const mPanels = p.fields[Param.M_PANELS] ?? 0;
  const K = p.fields[Param.K] ?? 0;
  const params = instance.alloc(where, Param.COUNT * 4);
  // An unpadded stride-1 input from an array goes straight into its planes, at the plane stride the direct kernel wants.
  const inPlace = typeof input !== 'number' && p.kernel === 'gemmDirectTask' && p.split === 1 && g.padTop + g.padBottom + g.padLeft + g.padRight === 0;
  const inputAt = typeof input === 'number' ? input : inPlace ? 0 : instance.alloc(where, input.length * 4);
  // Winograd reads only its transformed weights; the other kernels read the weights as given or packed
  const weightAt = p.winograd === undefined ? instance.alloc(where, weight.length * 4) : 0;
  const biasAt = bias === null ? 0 : instance.alloc(where, bias.length * 4);
  const packedAt = p.packed ? instance.alloc(where, g.groups * mPanels * K * 16) : weightAt;
  const packedBiasAt = p.packed ? instance.alloc(where, g.groups * mPanels * 16) : biasAt;
  const paddedAt = p.paddedPlane === null ? 0 : instance.alloc(where, g.n * g.cIn * p.paddedPlane * 4);
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
  const parallel = macsOf(g) >= tuning.parallelMacs;
  const padKernel: TaskKernel | null = p.paddedPlane !== null && !inPlace ? (p.split > 1 ? 'splitTask' : 'padTask') : null;
  // the first kernel's task t reads plane t alone (a padded copy, or depthwise): the input is fed to it,
  // so that on threads the workers start on the planes already copied in while the caller copies the rest
  const feed = typeof input !== 'number' && (padKernel !== null || p.kernel === 'depthwiseTask') ? planeFeed(instance, input, inputAt, g.n * g.cIn) : null;
  if (inPlace && p.paddedPlane !== null) {
    const planeIn = g.h * g.w;
    for (let i = 0; i < g.n * g.cIn; i++) instance.write(paddedAt + i * p.paddedPlane * 4, input.subarray(i * planeIn, (i + 1) * planeIn));
  } else if (typeof input !== 'number' && feed === null) {
    instance.write(inputAt, input);
  }
  if (p.winograd === undefined) instance.write(weightAt, weight);
  if (bias !== null) instance.write(biasAt, bias);
  if (p.offsets !== null) instance.writeInts(offsetsAt, p.offsets);

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
  block[Param.RELU] = activation === 'relu' ? 1 : 0;
  block[Param.INPUT] = inputAt;
  block[Param.WEIGHT] = packedAt;
  block[Param.BIAS] = packedBiasAt;
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
  if (p.packed) instance.exports.packWeights(params, weightAt, biasAt);
  if (padKernel !== null) pool.run(padKernel, params, g.n * g.cIn, parallel, feed);
  if (p.winograd !== undefined) pool.run(TRANSFORMS[p.winograd.tile].input, params, g.n * g.cIn * phases(p.winograd.tile), parallel);
  pool.run(p.kernel, params, p.tasks, parallel, padKernel === null ? feed : null);
  if (p.winograd !== undefined) pool.run(TRANSFORMS[p.winograd.tile].output, params, g.n * g.cOut, parallel);
  if (typeof output !== 'number') instance.readInto(outputAt, output);
}

export function runConv2d(
  instance: WasmInstance, pool: ThreadPool, g: ConvGeometry,
  input: Float32Array, weight: Float32Array, bias: Float32Array | null, output: Float32Array, activation: Activation,
): void {
  const prepared = prepare(instance, g, weight);
  if (prepared === null) {
    referenceConv2d(g, input, weight, bias, output, activation);
    return;
  }
  instance.reset();
  execute(instance, pool, g, prepared, input, weight, bias, output, activation);
}

/**
 * Runs a chain of convolutions with the outputs between them left in WebAssembly memory, where the next
 * step reads them in place: they alternate between two slots, each as large as the largest output it
 * holds, and each step is laid out past both. False where a step runs on the reference kernel (tiny: it
 * reads arrays), or where keeping every step's transformed weights evicted some of them.
 */
export function runConv2dChain(instance: WasmInstance, pool: ThreadPool, steps: readonly ConvStep[], input: Float32Array, output: Float32Array): boolean {
  // decided before any step keeps its transformed weights: the steps run one by one would check them again
  if (steps.some((s) => chooseStrategy(s.geom) === 'reference')) return false;
  const evictions = instance.evictions;
  const prepared = steps.map((s) => prepare(instance, s.geom, s.weight));
  if (instance.evictions !== evictions) return false;
  instance.reset();
  const slotBytes = [0, 0];
  steps.slice(0, -1).forEach(({ geom: g }, i) => {
    slotBytes[i % 2] = Math.max(slotBytes[i % 2], g.n * g.cOut * g.outH * g.outW * 4);
  });
  const slots = slotBytes.map((bytes) => instance.alloc('conv2d', bytes));
  const mark = instance.mark();
  let from: Float32Array | number = input;
  steps.forEach((s, i) => {
    const to = i === steps.length - 1 ? output : slots[i % 2];
    execute(instance, pool, s.geom, prepared[i] as Prepared, from, s.weight, s.bias, to, s.activation);
    instance.release(mark);
    from = to;
  });
  return true;
}
