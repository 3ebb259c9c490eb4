// Batch normalisation's per-channel passes over NCHW-like data: `outer` blocks of `channels` runs of
// `inner` contiguous floats. Sums go four lanes at a time in f32 over at most BLOCK floats, then into
// f64 per channel, so that rounding stays that of a short sum however long a run is. Per-channel
// coefficients are f32 arrays; sums are written as f64 pairs per channel.

const BLOCK = 256;

// @ts-ignore: decorator
@inline function lanes(v: v128): f64 {
  return <f64>f32x4.extract_lane(v, 0) + <f64>f32x4.extract_lane(v, 1) + <f64>f32x4.extract_lane(v, 2) + <f64>f32x4.extract_lane(v, 3);
}

// Per channel c: sums[2c] = sum of (x - shift[c]), sums[2c + 1] = sum of (x - shift[c])^2.
export function channelShiftedSums(x: usize, shift: usize, sums: usize, outer: i32, channels: i32, inner: i32): void {
  for (let c = 0; c < channels; c++) {
    const s = f32x4.splat(load<f32>(shift + (<usize>c << 2)));
    const s1 = load<f32>(shift + (<usize>c << 2));
    let sum: f64 = 0;
    let sumSq: f64 = 0;
    for (let o = 0; o < outer; o++) {
      const run = x + ((<usize>o * <usize>channels + <usize>c) * <usize>inner << 2);
      let i = 0;
      while (i + 4 <= inner) {
        let a = f32x4.splat(0);
        let q = f32x4.splat(0);
        const end = min(inner, i + BLOCK);
        for (; i + 4 <= end; i += 4) {
          const d = f32x4.sub(v128.load(run + (<usize>i << 2)), s);
          a = f32x4.add(a, d);
          q = f32x4.add(q, f32x4.mul(d, d));
        }
        sum += lanes(a);
        sumSq += lanes(q);
      }
      for (; i < inner; i++) {
        const d = <f64>(load<f32>(run + (<usize>i << 2)) - s1);
        sum += d;
        sumSq += d * d;
      }
    }
    store<f64>(sums + (<usize>c << 4), sum);
    store<f64>(sums + (<usize>c << 4), sumSq, 8);
  }
}

// Per channel c: sums[2c] = sum of dy, sums[2c + 1] = sum of dy * (x - mean[c]).
export function channelGradSumsFloats(dy: usize, x: usize, mean: usize, sums: usize, outer: i32, channels: i32, inner: i32): void {
  for (let c = 0; c < channels; c++) {
    const m1 = load<f32>(mean + (<usize>c << 2));
    const m = f32x4.splat(m1);
    let sg: f64 = 0;
    let sgx: f64 = 0;
    for (let o = 0; o < outer; o++) {
      const at = (<usize>o * <usize>channels + <usize>c) * <usize>inner << 2;
      let i = 0;
      while (i + 4 <= inner) {
        let a = f32x4.splat(0);
        let q = f32x4.splat(0);
        const end = min(inner, i + BLOCK);
        for (; i + 4 <= end; i += 4) {
          const g = v128.load(dy + at + (<usize>i << 2));
          a = f32x4.add(a, g);
          q = f32x4.add(q, f32x4.mul(g, f32x4.sub(v128.load(x + at + (<usize>i << 2)), m)));
        }
        sg += lanes(a);
        sgx += lanes(q);
      }
      for (; i < inner; i++) {
        const g = load<f32>(dy + at + (<usize>i << 2));
        sg += g;
        sgx += <f64>(g * (load<f32>(x + at + (<usize>i << 2)) - m1));
      }
    }
    store<f64>(sums + (<usize>c << 4), sg);
    store<f64>(sums + (<usize>c << 4), sgx, 8);
  }
}

// dst = (x - centre[c]) * scale[c] + shift[c], plus p * pScale[c] where p is not 0: batch normalisation's
// transform (centred, so that a channel's large mean cancels exactly in x - centre, not in rounded
// products), and with p = dy its input gradient. dst may be x or p.
export function channelCombineFloats(
  x: usize, centre: usize, scale: usize, shift: usize, p: usize, pScale: usize, dst: usize, outer: i32, channels: i32, inner: i32,
): void {
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) {
      const k = <usize>c << 2;
      const m1 = load<f32>(centre + k);
      const s1 = load<f32>(scale + k);
      const t1 = load<f32>(shift + k);
      const m = f32x4.splat(m1);
      const sv = f32x4.splat(s1);
      const t = f32x4.splat(t1);
      const at = (<usize>o * <usize>channels + <usize>c) * <usize>inner << 2;
      let i = 0;
      if (p == 0) {
        for (; i + 4 <= inner; i += 4) {
          const j = at + (<usize>i << 2);
          v128.store(dst + j, f32x4.add(f32x4.mul(f32x4.sub(v128.load(x + j), m), sv), t));
        }
        for (; i < inner; i++) {
          const j = at + (<usize>i << 2);
          store<f32>(dst + j, (load<f32>(x + j) - m1) * s1 + t1);
        }
        continue;
      }
      const g1 = load<f32>(pScale + k);
      const g = f32x4.splat(g1);
      for (; i + 4 <= inner; i += 4) {
        const j = at + (<usize>i << 2);
        v128.store(dst + j, f32x4.add(f32x4.add(f32x4.mul(f32x4.sub(v128.load(x + j), m), sv), t), f32x4.mul(v128.load(p + j), g)));
      }
      for (; i < inner; i++) {
        const j = at + (<usize>i << 2);
        store<f32>(dst + j, (load<f32>(x + j) - m1) * s1 + t1 + load<f32>(p + j) * g1);
      }
    }
  }
}
