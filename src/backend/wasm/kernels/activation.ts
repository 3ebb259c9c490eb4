// ReLU as the kernels apply it while writing their output: x < 0 ? 0 : x, so that NaN and -0 pass
// through unchanged, as in torch.relu (f32x4.max would turn -0 into +0).

// @ts-ignore: decorator
@inline export function relu4(v: v128): v128 {
  return v128.andnot(v, f32x4.lt(v, f32x4.splat(0)));
}

// @ts-ignore: decorator
@inline export function relu1(v: f32): f32 {
  return v < 0 ? 0 : v;
}

// ReLU of n floats at src into dst (the same place allowed), four at a time.
export function reluFloats(src: usize, dst: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), relu4(v128.load(src + (<usize>i << 2))));
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), relu1(load<f32>(src + (<usize>i << 2))));
}

// The gradient of ReLU from its output y, as torch's threshold_backward(grad, y, 0): grad where
// y > 0 or y is NaN, else 0 (y <= 0 fails for NaN), four at a time without branches.
export function reluGradFloats(y: usize, grad: usize, dst: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const at = <usize>i << 2;
    v128.store(dst + at, v128.andnot(v128.load(grad + at), f32x4.le(v128.load(y + at), f32x4.splat(0))));
  }
  for (; i < n; i++) {
    const at = <usize>i << 2;
    store<f32>(dst + at, load<f32>(y + at) <= 0 ? 0 : load<f32>(grad + at));
  }
}

// ReLU6 and Hardswish (kind 0 and 1, as src/backend/wasm/activation.ts numbers them) and their
// gradients, with torch 1.13's float32 operations in its order. NaN and -0 pass through relu6 as
// through relu; f32x4.min/max propagate NaN, so hardswish(NaN) is NaN and hardswish(-inf) is -inf * 0.
const HARDSWISH = 1;

// @ts-ignore: decorator
@inline export function relu6x4(v: v128): v128 {
  const six = f32x4.splat(6);
  return v128.bitselect(six, relu4(v), f32x4.gt(v, six));
}

// @ts-ignore: decorator
@inline function hardswish4(v: v128): v128 {
  const six = f32x4.splat(6);
  const clamped = f32x4.min(f32x4.max(f32x4.add(v, f32x4.splat(3)), f32x4.splat(0)), six);
  return f32x4.div(f32x4.mul(v, clamped), six);
}

// As torch's vectorised backward loops: relu6 passes grad where 0 < x < 6 (not for NaN); hardswish
// gives 0 where x < -3, grad where x >= 3, else grad * (x / 3 + 0.5) (NaN for NaN).
// @ts-ignore: decorator
@inline function relu6Grad4(x: v128, grad: v128): v128 {
  return v128.and(grad, v128.and(f32x4.gt(x, f32x4.splat(0)), f32x4.lt(x, f32x4.splat(6))));
}

// @ts-ignore: decorator
@inline function hardswishGrad4(x: v128, grad: v128): v128 {
  const slope = f32x4.mul(grad, f32x4.add(f32x4.div(x, f32x4.splat(3)), f32x4.splat(0.5)));
  return v128.andnot(v128.bitselect(grad, slope, f32x4.ge(x, f32x4.splat(3))), f32x4.lt(x, f32x4.splat(-3)));
}

// @ts-ignore: decorator
@inline function activation4(kind: i32, v: v128): v128 {
  return kind == HARDSWISH ? hardswish4(v) : relu6x4(v);
}

// @ts-ignore: decorator
@inline function activationGrad4(kind: i32, x: v128, grad: v128): v128 {
  return kind == HARDSWISH ? hardswishGrad4(x, grad) : relu6Grad4(x, grad);
}

// The activation of n floats at src into dst (the same place allowed), four at a time; the last few
// go through lane 0 of the same vector code, so that every element gets the same arithmetic.
export function activationFloats(kind: i32, src: usize, dst: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), activation4(kind, v128.load(src + (<usize>i << 2))));
  for (; i < n; i++) {
    const at = <usize>i << 2;
    store<f32>(dst + at, f32x4.extract_lane(activation4(kind, f32x4.splat(load<f32>(src + at))), 0));
  }
}

// The gradient of n floats from the activation's input x and dL/dy at grad, into dst (grad's place allowed).
export function activationGradFloats(kind: i32, x: usize, grad: usize, dst: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const at = <usize>i << 2;
    v128.store(dst + at, activationGrad4(kind, v128.load(x + at), v128.load(grad + at)));
  }
  for (; i < n; i++) {
    const at = <usize>i << 2;
    store<f32>(dst + at, f32x4.extract_lane(activationGrad4(kind, f32x4.splat(load<f32>(x + at)), f32x4.splat(load<f32>(grad + at))), 0));
  }
}

// What a convolution applies to each output as it writes it (kernels/params.ts ACTIVATION; the
// numbering of src/backend/wasm/execute.ts): nothing, ReLU or ReLU6, with NaN and -0 passing through.
export const ACT_RELU: i32 = 1;
export const ACT_RELU6: i32 = 2;

// @ts-ignore: decorator
@inline export function act4(kind: i32, v: v128): v128 {
  return kind == ACT_RELU ? relu4(v) : kind == ACT_RELU6 ? relu6x4(v) : v;
}

// act4 of one float, through lane 0 of the same vector code.
// @ts-ignore: decorator
@inline export function act1(kind: i32, v: f32): f32 {
  return kind == 0 ? v : f32x4.extract_lane(act4(kind, f32x4.splat(v)), 0);
}

// dst[i] = act(dst[i] + residual[i]) over n floats: the epilogue of a kernel that cannot add the
// residual as it writes (depthwise, Winograd).
export function residualFloats(dst: usize, residual: usize, kind: i32, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const at = <usize>i << 2;
    v128.store(dst + at, act4(kind, f32x4.add(v128.load(dst + at), v128.load(residual + at))));
  }
  for (; i < n; i++) {
    const at = <usize>i << 2;
    store<f32>(dst + at, act1(kind, load<f32>(dst + at) + load<f32>(residual + at)));
  }
}
