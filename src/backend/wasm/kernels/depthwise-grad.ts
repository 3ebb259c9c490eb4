// The weight gradient of a depthwise convolution (groups = input channels, any depth multiplier), direct:
// dW[oc][ky][kx] = the sum over the batch and output positions of dY[n][oc][oy][ox] times the input at
// the tap. A GEMM would have one output channel per group and K = kH x kW; here each tap is a dot
// product of dY's rows with the input's, four output columns to a vector.
//
// A task is one input channel (and its `multiplier` output channels). Per image, the channel is copied
// into a zero-padded plane in the worker's workspace whose rows hold the stride's column phases one after
// another (phase r: padded columns r, r + sW, r + 2 sW, ...), so that a tap reads the inputs of four
// consecutive output columns as one vector at any stride and dilation. Taps go in groups (a 3-wide
// kernel's rows, else four at a time: dwconv_grad_3tap_f32x4 and _4tap, one load of dY feeding the
// group), their f32x4 sums in registers over a plane and in the workspace across the batch, added
// across lanes once at the end.

import * as P from './params';
import { padPlane, padPlaneSplit, zeroFloats } from './plane';

// Lanes 0-3 that come before `count`.
// @ts-ignore: decorator
@inline function lanesBefore(count: i32): v128 {
  return i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(count));
}

// The h x w plane at src as `hp` padded rows of `sW` phases of `phaseW` floats each, input (y, x) at
// padded (y + pT, x + pL), zeros elsewhere: padPlane's layout at stride 1, padPlaneSplit's at 2, value
// by value at larger strides.
function padPlanePhases(src: usize, h: i32, w: i32, dst: usize, hp: i32, phaseW: i32, sW: i32, pT: i32, pL: i32): void {
  const rowFloats = sW * phaseW;
  for (let y = 0; y < hp; y++) {
    const iy = y - pT;
    const row = dst + (<usize>(y * rowFloats) << 2);
    if (iy < 0 || iy >= h) {
      zeroFloats(row, rowFloats);
      continue;
    }
    const from = src + (<usize>(iy * w) << 2);
    for (let r = 0; r < sW; r++) {
      const phase = row + (<usize>(r * phaseW) << 2);
      for (let j = 0; j < phaseW; j++) {
        const ix = r + j * sW - pL;
        store<f32>(phase + (<usize>j << 2), <u32>ix < <u32>w ? load<f32>(from + (<usize>ix << 2)) : 0);
      }
    }
  }
}

// dwconv_grad_4tap_f32x4 (and _3tap, `group` = 3, a 3-wide kernel's row, which leaves o3 and the fourth
// sum alone): the f32x4 sums at `sums` += dY's rows (from `dy`, `dyRow` bytes apart) times the input
// rows of the group's taps (at byte offsets o0..o3 from `x`, `xRow` bytes apart), over
// vectors [from, to) of each of `rows` rows, the sums held in registers throughout. `masked`: only the
// first `valid` lanes count, in both operands (past a row's end they hold other values, and 0 x NaN
// would be NaN).
// @ts-ignore: decorator
@inline function tapGroup(group: i32, sums: usize, dy: usize, dyRow: usize, x: usize, xRow: usize, rows: i32, o0: usize, o1: usize, o2: usize, o3: usize, from: i32, to: i32, masked: bool, valid: v128): void {
  let s0 = v128.load(sums), s1 = v128.load(sums, 16), s2 = v128.load(sums, 32), s3 = group == 4 ? v128.load(sums, 48) : s0;
  for (let r = 0; r < rows; r++) {
    const d = dy + <usize>r * dyRow;
    const xr = x + <usize>r * xRow;
    for (let i = <usize>from << 4; i < <usize>to << 4; i += 16) {
      const dv = masked ? v128.and(v128.load(d + i), valid) : v128.load(d + i);
      const p = xr + i;
      s0 = f32x4.add(s0, f32x4.mul(dv, masked ? v128.and(v128.load(p + o0), valid) : v128.load(p + o0)));
      s1 = f32x4.add(s1, f32x4.mul(dv, masked ? v128.and(v128.load(p + o1), valid) : v128.load(p + o1)));
      s2 = f32x4.add(s2, f32x4.mul(dv, masked ? v128.and(v128.load(p + o2), valid) : v128.load(p + o2)));
      if (group == 4) s3 = f32x4.add(s3, f32x4.mul(dv, masked ? v128.and(v128.load(p + o3), valid) : v128.load(p + o3)));
    }
  }
  v128.store(sums, s0); v128.store(sums, s1, 16); v128.store(sums, s2, 32);
  if (group == 4) v128.store(sums, s3, 48);
}

// Byte offset in the phased plane of what tap t reads for output (0, 0).
// @ts-ignore: decorator
@inline function tapOffset(t: i32, kW: i32, dH: i32, dW: i32, sW: i32, phaseW: i32, rowBytes: usize): usize {
  const kx = (t % kW) * dW;
  return <usize>((t / kW) * dH) * rowBytes + (<usize>((kx % sW) * phaseW + kx / sW) << 2);
}

// Task = input channel c: dW's rows for output channels c x multiplier .. (c + 1) x multiplier - 1.
// The workspace holds the f32x4 sums, [multiplier][taps rounded up to 4], then the phased plane.
export function depthwiseWeightGradTask(params: usize, task: i32, worker: i32): void {
  const batch = P.param(params, P.N);
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
  const phaseW = P.param(params, P.WP);
  const c = task;
  const multiplier = cOut / cIn;
  const taps = kH * kW;
  const slots = (taps + 3) & ~3;
  const sums = <usize>P.param(params, P.WORKSPACE) + <usize>worker * <usize>P.param(params, P.WORKSPACE_BYTES);
  const plane = sums + (<usize>(multiplier * slots) << 4);
  const rowBytes = <usize>(sW * phaseW) << 2;
  const full = outW >> 2;
  const valid = lanesBefore(outW & 3);
  zeroFloats(sums, multiplier * slots * 4);
  for (let n = 0; n < batch; n++) {
    const src = <usize>P.param(params, P.INPUT) + (<usize>((n * cIn + c) * h * w) << 2);
    if (sW == 1) padPlane(src, h, w, plane, hp, phaseW, P.param(params, P.PT), P.param(params, P.PL));
    else if (sW == 2) padPlaneSplit(src, h, w, plane, hp, phaseW, P.param(params, P.PT), P.param(params, P.PL));
    else padPlanePhases(src, h, w, plane, hp, phaseW, sW, P.param(params, P.PT), P.param(params, P.PL));
    for (let m = 0; m < multiplier; m++) {
      const dy = <usize>P.param(params, P.GRAD_OUTPUT) + (<usize>((n * cOut + c * multiplier + m) * outH * outW) << 2);
      // a 3-wide kernel's taps go a row at a time; others four at a time, a last group of fewer
      // repeating its last tap into slots that are never read
      const group = kW == 3 ? 3 : 4;
      for (let t = 0; t < taps; t += group) {
        const o0 = tapOffset(t, kW, dH, dW, sW, phaseW, rowBytes);
        const o1 = tapOffset(min(t + 1, taps - 1), kW, dH, dW, sW, phaseW, rowBytes);
        const o2 = tapOffset(min(t + 2, taps - 1), kW, dH, dW, sW, phaseW, rowBytes);
        const o3 = tapOffset(min(t + 3, taps - 1), kW, dH, dW, sW, phaseW, rowBytes);
        const at = sums + (<usize>(m * slots + t) << 4);
        const dyRow = <usize>outW << 2;
        const xRow = <usize>sH * rowBytes;
        if (group == 3) {
          tapGroup(3, at, dy, dyRow, plane, xRow, outH, o0, o1, o2, o3, 0, full, false, valid);
          if ((outW & 3) != 0) tapGroup(3, at, dy, dyRow, plane, xRow, outH, o0, o1, o2, o3, full, full + 1, true, valid);
        } else {
          tapGroup(4, at, dy, dyRow, plane, xRow, outH, o0, o1, o2, o3, 0, full, false, valid);
          if ((outW & 3) != 0) tapGroup(4, at, dy, dyRow, plane, xRow, outH, o0, o1, o2, o3, full, full + 1, true, valid);
        }
      }
    }
  }
  for (let m = 0; m < multiplier; m++) {
    const out = <usize>P.param(params, P.OUTPUT) + (<usize>((c * multiplier + m) * taps) << 2);
    for (let t = 0; t < taps; t++) {
      const v = v128.load(sums + (<usize>(m * slots + t) << 4));
      store<f32>(out + (<usize>t << 2), f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
    }
  }
}
