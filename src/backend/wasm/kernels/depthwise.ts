// Depthwise convolution (groups = input channels, any depth multiplier), direct: a task is one input
// channel. Output rows are computed four columns at a time: 3x3 kernels at stride 1 or 2 (MobileNet's)
// with their nine weights in registers, other shapes tap by tap. MobileNet's layers, 3x3 padded by 1
// all round, read the input rows in place: the first and last vectors of a row make up the padding in
// registers, and at stride 2 shuffles split even columns from odd. Other layers first copy the channel
// into a zero-padded plane in the worker's workspace (one-by-one border code would dominate small
// images), at stride 2 with each row's even columns first, then its odd ones.

import * as P from './params';
import { act1, act4 } from './activation';
import { padPlane, padPlaneSplit, zeroFloats } from './plane';

// acc + the three taps of one kernel row for output columns x..x+3: input columns x + 0, 1, 2 at
// stride 1; at stride 2, columns 2x + 0, 1, 2, which a row stored as even columns then odd ones (`half`
// floats each) holds as even[x], odd[x] and even[x + 1].
// @ts-ignore: decorator
@inline function row3(acc: v128, row: usize, x: i32, stride: i32, half: i32, w0: v128, w1: v128, w2: v128): v128 {
  const p = row + (<usize>x << 2);
  const t0 = v128.load(p);
  const t1 = stride == 1 ? v128.load(p, 4) : v128.load(p + (<usize>half << 2));
  const t2 = stride == 1 ? v128.load(p, 8) : v128.load(p, 4);
  return f32x4.add(f32x4.add(f32x4.add(acc, f32x4.mul(w0, t0)), f32x4.mul(w1, t1)), f32x4.mul(w2, t2));
}

// Stores the first `count` lanes of v at dst (count <= 4).
// @ts-ignore: decorator
@inline function storeLanes(dst: usize, v: v128, count: i32): void {
  if (count == 4) {
    v128.store(dst, v);
    return;
  }
  store<f32>(dst, f32x4.extract_lane(v, 0));
  if (count > 1) store<f32>(dst, f32x4.extract_lane(v, 1), 4);
  if (count > 2) store<f32>(dst, f32x4.extract_lane(v, 2), 8);
}

// One output row of a 3x3 kernel, four columns at a time (the plane has room for the last, partial
// vector's reads). `r0` is the (padded) input row of the kernel's top row.
// @ts-ignore: decorator
@inline function rowOf3x3(r0: usize, rowBytes: usize, weights: usize, bias: f32, dst: usize, outW: i32, stride: i32, half: i32, act: i32): void {
  const w00 = v128.load32_splat(weights, 0), w01 = v128.load32_splat(weights, 4), w02 = v128.load32_splat(weights, 8);
  const w10 = v128.load32_splat(weights, 12), w11 = v128.load32_splat(weights, 16), w12 = v128.load32_splat(weights, 20);
  const w20 = v128.load32_splat(weights, 24), w21 = v128.load32_splat(weights, 28), w22 = v128.load32_splat(weights, 32);
  const b = f32x4.splat(bias);
  for (let ox = 0; ox < outW; ox += 4) {
    let acc = row3(b, r0, ox, stride, half, w00, w01, w02);
    acc = row3(acc, r0 + rowBytes, ox, stride, half, w10, w11, w12);
    acc = row3(acc, r0 + 2 * rowBytes, ox, stride, half, w20, w21, w22);
    storeLanes(dst + (<usize>ox << 2), act4(act, acc), min(4, outW - ox));
  }
}

// The three taps of one kernel row for output columns x..x+3 of a 3x3 convolution padded by 1, read
// from an unpadded input row of w floats: at stride 1 columns x - 1, x, x + 1; at stride 2 columns
// 2x - 1, 2x, 2x + 1, split into even and odd lanes by shuffles. `first`: column -1 is padding. `last`:
// so are the columns from w on (`validA` and `validB` mark the loaded lanes before w). The padding reads
// as zeros, as in a padded plane, so the sums are those of a padded plane to the bit.
// @ts-ignore: decorator
@inline function rowPadded1(acc: v128, row: usize, x: i32, stride: i32, first: bool, last: bool, validA: v128, validB: v128, w0: v128, w1: v128, w2: v128): v128 {
  const zero = f32x4.splat(0);
  let t0: v128, t1: v128, t2: v128;
  if (stride == 1) {
    const p = row + (<usize>x << 2);
    t1 = v128.load(p);
    t0 = first ? v128.shuffle<f32>(zero, t1, 3, 4, 5, 6) : v128.load(p - 4);
    t2 = last ? v128.shuffle<f32>(v128.and(t1, validA), zero, 1, 2, 3, 4) : v128.load(p, 4);
  } else {
    const p = row + (<usize>x << 3);
    let a = v128.load(p), b = v128.load(p, 16);
    if (last) {
      a = v128.and(a, validA);
      b = v128.and(b, validB);
    }
    t1 = v128.shuffle<f32>(a, b, 0, 2, 4, 6);
    t2 = v128.shuffle<f32>(a, b, 1, 3, 5, 7);
    t0 = v128.shuffle<f32>(first ? zero : v128.load(p - 16), t2, 3, 4, 5, 6);
  }
  return f32x4.add(f32x4.add(f32x4.add(acc, f32x4.mul(w0, t0)), f32x4.mul(w1, t1)), f32x4.mul(w2, t2));
}

// Lanes 0-3 that come before `count` (all of them from 4 on, none below 1).
// @ts-ignore: decorator
@inline function lanesBefore(count: i32): v128 {
  return i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(count));
}

// One output row of a 3x3 convolution at stride 1 or 2 padded by 1 on every side (MobileNet's), from the
// unpadded input rows r0, r1, r2 (a row of zeros where they are past the plane's edge): no padded copy.
// @ts-ignore: decorator
@inline function rowOf3x3Padded1(r0: usize, r1: usize, r2: usize, weights: usize, bias: f32, dst: usize, outW: i32, w: i32, stride: i32, act: i32): void {
  const w00 = v128.load32_splat(weights, 0), w01 = v128.load32_splat(weights, 4), w02 = v128.load32_splat(weights, 8);
  const w10 = v128.load32_splat(weights, 12), w11 = v128.load32_splat(weights, 16), w12 = v128.load32_splat(weights, 20);
  const w20 = v128.load32_splat(weights, 24), w21 = v128.load32_splat(weights, 28), w22 = v128.load32_splat(weights, 32);
  const b = f32x4.splat(bias);
  // the first vector, then those that read no padding, then the last (the first may be the last too)
  let last = outW <= 4;
  let validA = lanesBefore(w), validB = lanesBefore(w - 4);
  let acc = rowPadded1(b, r0, 0, stride, true, last, validA, validB, w00, w01, w02);
  acc = rowPadded1(acc, r1, 0, stride, true, last, validA, validB, w10, w11, w12);
  acc = rowPadded1(acc, r2, 0, stride, true, last, validA, validB, w20, w21, w22);
  storeLanes(dst, act4(act, acc), min(4, outW));
  let x = 4;
  for (; x + 4 < outW; x += 4) {
    acc = rowPadded1(b, r0, x, stride, false, false, validA, validB, w00, w01, w02);
    acc = rowPadded1(acc, r1, x, stride, false, false, validA, validB, w10, w11, w12);
    acc = rowPadded1(acc, r2, x, stride, false, false, validA, validB, w20, w21, w22);
    v128.store(dst + (<usize>x << 2), act4(act, acc));
  }
  if (x >= outW) return;
  validA = lanesBefore(w - stride * x);
  validB = lanesBefore(w - stride * x - 4);
  acc = rowPadded1(b, r0, x, stride, false, true, validA, validB, w00, w01, w02);
  acc = rowPadded1(acc, r1, x, stride, false, true, validA, validB, w10, w11, w12);
  acc = rowPadded1(acc, r2, x, stride, false, true, validA, validB, w20, w21, w22);
  storeLanes(dst + (<usize>x << 2), act4(act, acc), outW - x);
}

// One output value, tap by tap, reading zero outside the h x w plane.
function tap(input: usize, h: i32, w: i32, weights: usize, bias: f32, iy0: i32, ix0: i32, kH: i32, kW: i32, dH: i32, dW: i32): f32 {
  let acc = bias;
  for (let ky = 0; ky < kH; ky++) {
    const iy = iy0 + ky * dH;
    if (<u32>iy >= <u32>h) continue;
    for (let kx = 0; kx < kW; kx++) {
      const ix = ix0 + kx * dW;
      if (<u32>ix < <u32>w) acc += load<f32>(weights + (<usize>(ky * kW + kx) << 2)) * load<f32>(input + (<usize>(iy * w + ix) << 2));
    }
  }
  return acc;
}

// four input values for output columns x..x+3 (input column = x * sW)
// @ts-ignore: decorator
@inline function gather(row: usize, x: i32, sW: i32): v128 {
  if (sW == 1) return v128.load(row + (<usize>x << 2));
  let v = f32x4.splat(load<f32>(row + (<usize>(x * sW) << 2)));
  v = f32x4.replace_lane(v, 1, load<f32>(row + (<usize>((x + 1) * sW) << 2)));
  v = f32x4.replace_lane(v, 2, load<f32>(row + (<usize>((x + 2) * sW) << 2)));
  return f32x4.replace_lane(v, 3, load<f32>(row + (<usize>((x + 3) * sW) << 2)));
}

// The same, tap by tap, for any kernel, stride and dilation.
function rowGeneric(r0: usize, rowBytes: usize, weights: usize, bias: f32, dst: usize, outW: i32, kH: i32, kW: i32, sW: i32, dH: i32, dW: i32, act: i32): i32 {
  let ox = 0;
  for (; ox + 4 <= outW; ox += 4) {
    let acc = f32x4.splat(bias);
    for (let ky = 0; ky < kH; ky++) {
      const row = r0 + <usize>(ky * dH) * rowBytes;
      for (let kx = 0; kx < kW; kx++) {
        const wv = v128.load32_splat(weights + (<usize>(ky * kW + kx) << 2));
        acc = f32x4.add(acc, f32x4.mul(wv, gather(row + (<usize>(kx * dW) << 2), ox, sW)));
      }
    }
    v128.store(dst + (<usize>ox << 2), act4(act, acc));
  }
  return ox;
}

export function depthwiseTask(params: usize, task: i32, worker: i32): void {
  const cIn = P.param(params, P.C_IN);
  const h = P.param(params, P.H);
  const w = P.param(params, P.W);
  const cOut = P.param(params, P.C_OUT);
  const kH = P.param(params, P.KH);
  const kW = P.param(params, P.KW);
  const sH = P.param(params, P.SH);
  const sW = P.param(params, P.SW);
  const dH = P.param(params, P.DH);
  const dW = P.param(params, P.DW);
  const outH = P.param(params, P.OUT_H);
  const outW = P.param(params, P.OUT_W);
  const hp = P.param(params, P.HP);
  const wp = P.param(params, P.WP);
  const n = task / cIn;
  const c = task % cIn;
  const plane = <usize>P.param(params, P.WORKSPACE) + <usize>worker * <usize>P.param(params, P.WORKSPACE_BYTES);
  const src = <usize>P.param(params, P.INPUT) + (<usize>((n * cIn + c) * h * w) << 2);
  const fast = kH == 3 && kW == 3 && dH == 1 && dW == 1 && (sW == 1 || sW == 2);
  // HP = 0: the plan found a 3x3 layer padded 1 on every side (MobileNet's), whose rows are read in
  // place, the padding made up in registers (the rows above and below the plane read a row of zeros)
  const padded1 = hp == 0;
  if (padded1) zeroFloats(plane, w + 16);
  else if (fast && sW == 2) padPlaneSplit(src, h, w, plane, hp, wp / 2, P.param(params, P.PT), P.param(params, P.PL));
  else padPlane(src, h, w, plane, hp, wp, P.param(params, P.PT), P.param(params, P.PL));
  const rowBytes = <usize>wp << 2;

  const multiplier = cOut / cIn;
  const taps = kH * kW;
  const biasAt = <usize>P.param(params, P.BIAS);
  const act = P.param(params, P.ACTIVATION);
  for (let m = 0; m < multiplier; m++) {
    const oc = c * multiplier + m;
    const weights = <usize>P.param(params, P.WEIGHT) + (<usize>(oc * taps) << 2);
    const bias = biasAt == 0 ? <f32>0 : load<f32>(biasAt + (<usize>oc << 2));
    const out = <usize>P.param(params, P.OUTPUT) + (<usize>((n * cOut + oc) * outH * outW) << 2);
    for (let oy = 0; oy < outH; oy++) {
      const dst = out + (<usize>(oy * outW) << 2);
      if (padded1) {
        const y = oy * sH - 1; // the kernel's top row
        const r0 = y < 0 ? plane : src + (<usize>(y * w) << 2);
        const r1 = src + (<usize>((y + 1) * w) << 2);
        const r2 = y + 2 >= h ? plane : src + (<usize>((y + 2) * w) << 2);
        if (sW == 1) rowOf3x3Padded1(r0, r1, r2, weights, bias, dst, outW, w, 1, act);
        else rowOf3x3Padded1(r0, r1, r2, weights, bias, dst, outW, w, 2, act);
        continue;
      }
      const r0 = plane + <usize>(oy * sH) * rowBytes;
      if (fast && sW == 1) {
        rowOf3x3(r0, rowBytes, weights, bias, dst, outW, 1, 0, act);
        continue;
      }
      if (fast) {
        rowOf3x3(r0, rowBytes, weights, bias, dst, outW, 2, wp / 2, act);
        continue;
      }
      let ox = rowGeneric(r0, rowBytes, weights, bias, dst, outW, kH, kW, sW, dH, dW, act);
      for (; ox < outW; ox++) {
        const v = tap(plane, hp, wp, weights, bias, oy * sH, ox * sW, kH, kW, dH, dW);
        store<f32>(dst + (<usize>ox << 2), act1(act, v));
      }
    }
  }
}
