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
