/**
 * Which kernel path a convolution runs on, chosen from its geometry alone, and the measured constants
 * behind the choice.
 */
import type { ConvGeometry } from '../backend.js';
import { gemmColumns } from './plan-winograd.js';
import type { TileSize } from './winograd.js';

/** The knobs of the strategy choice, for tests and benchmarks; not public API. */
export const tuning = {
  /** Below this many MACs the reference kernel wins: no copies into WebAssembly memory, no set-up. */
  tinyMacs: 4096,
  /**
   * Below this many MACs one thread wins: waking the workers costs about 50 us. A layer whose input is in
   * memory already (a network's) runs on threads from a 32nd of it: MobileNetV2's 7x7 to 28x28
   * depthwise layers so made batch 1 on two threads 7% faster (21.9 against 23.5 ms, best of 8 rounds).
   */
  parallelMacs: 1 << 21,
  /** A strategy to use wherever it applies instead of the chosen one. */
  force: null as Strategy | null,
  /** Winograd for 3x3 stride-1 convolutions (`setWinograd`). */
  winograd: true,
};

/**
 * Above this K the direct kernel's reads, spread over many planes and rows, fall out of L1 and, once a
 * group's padded input passes DIRECT_MAX_BYTES, out of L2; im2col's block does not. Measured, 3x3
 * stride 1: 512 channels of 8x8 or 9x9 run 1.1-1.25x faster direct, 256 of 35x35 1.13x faster on im2col.
 */
const DIRECT_MAX_K = 1024;
const DIRECT_MAX_BYTES = 512 * 1024;
/** Strided layers read their split input in place past DIRECT_MAX_BYTES up to this K (see the end of chooseStrategy). */
const STRIDED_DIRECT_MAX_K = 32;
/** F(4x4, 3x3) keeps within 1e-4 of the direct sum up to this many input channels per group (measured: 2.9e-5 at 1024). */
const WINOGRAD_MAX_CHANNELS = 1024;

/** The tile sizes of F(m x m, 3x3), for 3x3 stride-1 layers. */
type Tile3 = Exclude<TileSize, 7>;
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

export type Strategy = 'reference' | 'dense' | 'depthwise' | 'gemm-direct' | 'gemm-im2col' | 'winograd-f2' | 'winograd-f4' | 'winograd-f6' | 'winograd-s2';

/** Each Winograd strategy's output tile size ('winograd-s2': F(7x7, 2x2) over a 3x3 stride-2 layer's four phases). */
export const WINOGRAD_TILE: Partial<Record<Strategy, TileSize>> = { 'winograd-f2': 2, 'winograd-f4': 4, 'winograd-f6': 6, 'winograd-s2': 7 };

/** Multiply-accumulates of the direct sum: what GFLOP/s figures count, whatever the kernel does. */
export function macsOf(g: ConvGeometry): number {
  return g.n * g.outH * g.outW * g.cOut * (g.cIn / g.groups) * g.kH * g.kW;
}

/**
 * The kernel a convolution runs on: tiny ones on the reference kernel; depthwise ones (groups = C_in)
 * on the direct depthwise kernel; 1x1 ones of 1x1 images (Linear layers) on the dense kernel; 3x3 stride-1 ones (dilated too) with at least 12 channels per group and
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
  if (g.h === 1 && g.w === 1 && g.outH === 1 && g.outW === 1 && g.kH === 1 && g.kW === 1 && g.groups === 1) return 'dense';
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
  // im2col, on 32 of 15x15 2.6x; on 64 of 56x56, 861 KiB a group, 1.16x slower; 1x1 stride 2 slower),
  // and past L2 where K is small, the few planes a tile reads staying in cache (MobileNetV2's stem, 3 of
  // 224x224, 613 KiB, K = 27: 2.02 against 2.53 ms a call, one thread, best of 6 rounds)
  const direct = fitsL2 || K <= STRIDED_DIRECT_MAX_K;
  return g.strideH === g.strideW && g.kH >= g.strideH && g.kW >= g.strideW && direct ? 'gemm-direct' : 'gemm-im2col';
}
