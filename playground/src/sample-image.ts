/**
 * The bundled sample image: drawn here from shapes (a disc, a ring, a square, a triangle, stripes and a
 * soft gradient), so the project ships it under its own licence with no image file. Grey levels in [0, 1].
 */
export const SAMPLE_SIZE = 96;

export function sampleImage(size = SAMPLE_SIZE): Float32Array {
  const image = new Float32Array(size * size);
  const s = size / 96;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let v = 0.15 + 0.25 * (x / size); // gradient background
      const disc = Math.hypot(x - 28 * s, y - 28 * s);
      if (disc < 16 * s) v = 0.9;
      const ring = Math.hypot(x - 70 * s, y - 70 * s);
      if (ring > 11 * s && ring < 17 * s) v = 0.85;
      if (x > 56 * s && x < 86 * s && y > 10 * s && y < 40 * s) v = 0.55; // square
      if (y > 56 * s && y < 88 * s && Math.abs(x - 26 * s) < (y - 56 * s) * 0.6) v = 0.75; // triangle
      if (x > 44 * s && x < 52 * s && y > 50 * s && Math.floor(y / (3 * s)) % 2 === 0) v = 1; // stripes
      image[y * size + x] = v;
    }
  }
  return image;
}
