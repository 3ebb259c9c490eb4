// Zero-padded copies of image planes, so that convolution loops read without bounds checks.

// Copies an h x w plane into an hp x wp plane at row pT, column pL, with zeros around it; rows and
// columns that fall outside hp x wp are left out (a convolution that never reads them need not have them).
export function padPlane(src: usize, h: i32, w: i32, dst: usize, hp: i32, wp: i32, pT: i32, pL: i32): void {
  const rows = min(h, hp - pT);
  const cols = min(w, wp - pL);
  memory.fill(dst, 0, <usize>(pT * wp) << 2);
  for (let y = 0; y < rows; y++) {
    const row = dst + (<usize>((y + pT) * wp) << 2);
    memory.fill(row, 0, <usize>pL << 2);
    memory.copy(row + (<usize>pL << 2), src + (<usize>(y * w) << 2), <usize>cols << 2);
    memory.fill(row + (<usize>(pL + cols) << 2), 0, <usize>(wp - pL - cols) << 2);
  }
  memory.fill(dst + (<usize>((rows + pT) * wp) << 2), 0, <usize>((hp - rows - pT) * wp) << 2);
}
