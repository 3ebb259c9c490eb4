// Copies and zero fills of float rows, and zero-padded copies of image planes (so that convolution
// loops read without bounds checks). Rows are short (tens to hundreds of floats), and V8 runs
// memory.copy and memory.fill as calls out of the generated code, which cost more than such a row:
// these loops stay inline, four floats at a time.

// @ts-ignore: decorator
@inline export function copyFloats(dst: usize, src: usize, count: i32): void {
  let i = 0;
  for (; i + 4 <= count; i += 4) v128.store(dst + (<usize>i << 2), v128.load(src + (<usize>i << 2)));
  for (; i < count; i++) store<f32>(dst + (<usize>i << 2), load<f32>(src + (<usize>i << 2)));
}

// @ts-ignore: decorator
@inline export function zeroFloats(dst: usize, count: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= count; i += 4) v128.store(dst + (<usize>i << 2), zero);
  for (; i < count; i++) store<f32>(dst + (<usize>i << 2), 0);
}

// Copies an h x w plane into an hp x wp plane at row pT, column pL, with zeros around it; rows and
// columns that fall outside hp x wp are left out (a convolution that never reads them need not have them).
export function padPlane(src: usize, h: i32, w: i32, dst: usize, hp: i32, wp: i32, pT: i32, pL: i32): void {
  const rows = min(h, hp - pT);
  const cols = min(w, wp - pL);
  zeroFloats(dst, pT * wp);
  for (let y = 0; y < rows; y++) {
    const row = dst + (<usize>((y + pT) * wp) << 2);
    zeroFloats(row, pL);
    copyFloats(row + (<usize>pL << 2), src + (<usize>(y * w) << 2), cols);
    zeroFloats(row + (<usize>(pL + cols) << 2), wp - pL - cols);
  }
  zeroFloats(dst + (<usize>((rows + pT) * wp) << 2), (hp - rows - pT) * wp);
}
