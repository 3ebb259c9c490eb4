/**
 * This machine's limit for WebAssembly f32x4 arithmetic on one core, measured now: the 4x8 register
 * tile of convkit's GEMM (8 accumulators, mul + add) over data that stays in L1, so that memory plays
 * no part. GFLOP/s of a convolution are only meaningful beside it: cloud vCPUs differ in clock and
 * in how many vector units they give a guest, and the figure moves with the neighbours' load.
 */
import asc from 'assemblyscript/asc';

const SOURCE = `
export function tile(a: usize, b: usize, c: usize, k: i32, reps: i32): void {
  for (let r = 0; r < reps; r++) {
    let c00 = v128.load(c, 0), c01 = v128.load(c, 16), c10 = v128.load(c, 32), c11 = v128.load(c, 48);
    let c20 = v128.load(c, 64), c21 = v128.load(c, 80), c30 = v128.load(c, 96), c31 = v128.load(c, 112);
    let ap = a, bp = b;
    for (let i = 0; i < k; i++) {
      const b0 = v128.load(bp, 0); const b1 = v128.load(bp, 16);
      let av = v128.load32_splat(ap, 0);
      c00 = f32x4.add(c00, f32x4.mul(av, b0)); c01 = f32x4.add(c01, f32x4.mul(av, b1));
      av = v128.load32_splat(ap, 4);
      c10 = f32x4.add(c10, f32x4.mul(av, b0)); c11 = f32x4.add(c11, f32x4.mul(av, b1));
      av = v128.load32_splat(ap, 8);
      c20 = f32x4.add(c20, f32x4.mul(av, b0)); c21 = f32x4.add(c21, f32x4.mul(av, b1));
      av = v128.load32_splat(ap, 12);
      c30 = f32x4.add(c30, f32x4.mul(av, b0)); c31 = f32x4.add(c31, f32x4.mul(av, b1));
      ap += 16; bp += 32;
    }
    v128.store(c, c00, 0); v128.store(c, c01, 16); v128.store(c, c10, 32); v128.store(c, c11, 48);
    v128.store(c, c20, 64); v128.store(c, c21, 80); v128.store(c, c30, 96); v128.store(c, c31, 112);
  }
}`;

/**
 * The best of many short timed rounds, in GFLOP/s (one mul + one add per lane: 2 flops), over about a
 * second: V8 first runs the kernel from its baseline compiler, several times slower, and swaps in the
 * optimised code only between calls, once it is compiled in the background.
 */
export async function measurePeak(seconds = 1): Promise<number> {
  const { binary, error, stderr } = await asc.compileString(SOURCE, { optimizeLevel: 3, runtime: 'stub', enable: ['simd'], noAssert: true, initialMemory: 2 });
  if (binary === null || error) throw new Error(`compiling the peak kernel failed: ${error?.message ?? ''} ${stderr.toString()}`);
  const instance = new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(binary)), {});
  const tile = instance.exports.tile as (a: number, b: number, c: number, k: number, reps: number) => void;
  const k = 256; // A: 4 KiB, B: 8 KiB, both in L1
  const reps = 500;
  let best = 0;
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    const start = performance.now();
    tile(1024, 8192, 65536, k, reps);
    best = Math.max(best, (k * reps * 8 * 4 * 2) / ((performance.now() - start) * 1e6));
    await new Promise((resolve) => setTimeout(resolve, 0)); // let V8 finish and install the optimised code
  }
  return best;
}
