/** What a kernel path tells the runner beyond the geometry; each path's plan-*.ts builds one. */
import type { Param } from './params.js';
import type { TaskKernel } from './pool.js';
import type { TileSize } from './winograd.js';

/** What a run needs beyond the geometry: the task kernel and count, memory, and the parameter fields it sets. */
export interface Plan {
  kernel: TaskKernel;
  tasks: number;
  workspaceBytes: number;
  packed: boolean;
  /** Floats per channel of the padded copy of the input (HP, WP and PLANE in the fields), if there is one. */
  paddedPlane: number | null;
  /** Sub-images per axis the padded plane is split into (SPLIT in the fields); 1: a plain padded copy. */
  split: number;
  offsets: Int32Array | null;
  /** Winograd's tile size. */
  winograd?: { tile: TileSize };
  fields: Partial<Record<Param, number>>;
}

/** Floats from one padded plane to the next: an odd number of 64-byte lines, so planes fall into different L1 sets. */
export function planeStride(floats: number): number {
  const lines = Math.ceil(floats / 16);
  return (lines % 2 === 0 ? lines + 1 : lines) * 16;
}
