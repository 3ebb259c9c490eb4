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
