/**
 * What the training bench's parent (train.ts) and its children share: the cells (model, batch), the
 * request a child gets, the result it sends back, and the data folder every contender reads, so that all
 * of them start each cell from the same weights and train on the same batch.
 *
 * The folder holds, written once by the parent: `images.f32` (the largest batch's images, N x 1 x 28 x
 * 28, little-endian float32; a cell of batch B takes the first B), `labels.i32` (their classes, int32),
 * and per model `<kind>.json` (the twin's `Sequential` JSON, twins.ts) and `<kind>.safetensors` (its
 * initial state dict, convkit's initialisation from a fixed seed).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TwinKind } from '../../src/train/twins.js';

/** The images' side: the twins are written for 28x28 grayscale (Fashion-MNIST). */
export const IMAGE_SIZE = 28;
export const CLASSES = 10;

export interface Cell {
  readonly model: TwinKind;
  readonly batch: number;
}

export type ContenderKind = 'convkit' | 'torch' | 'tfjs';

export interface ContenderSpec {
  readonly kind: ContenderKind;
  readonly threads: number;
}

/** A child's orders: every cell in turn, each from the initial weights. */
export interface TrainRequest {
  readonly spec: ContenderSpec;
  readonly dir: string;
  readonly cells: readonly Cell[];
  /** Untimed steps first (at least 1: the first step's loss is the one checked across contenders). */
  readonly warmup: number;
  /** Timed steps, each timed alone; the cell's figure is their median. */
  readonly steps: number;
  /**
   * Stop timing a cell once this much time has passed (at least one timed step), and skip a cell whose
   * step is projected to take longer than `capMs` from this process's pace on the model so far (its
   * smaller batch, or the backend probe's step of batch 2).
   * For tfjs only: its plain-JS gradients take seconds to minutes a step, the others run fixed counts.
   */
  readonly budgetMs?: number;
  readonly capMs?: number;
}

export interface CellResult {
  readonly model: TwinKind;
  readonly batch: number;
  /** The loss of the first step (from the initial weights), and of the last one taken. */
  readonly firstLoss?: number;
  readonly lastLoss?: number;
  /** Each timed step's time. */
  readonly stepMs?: readonly number[];
  readonly medianMs?: number;
  /** The threads the library reports it ran on, where it says. */
  readonly threads?: number;
  /** The library's backend, where it has several (tfjs). */
  readonly backend?: string;
  /** Failed (an exception), not applicable (a documented limit), or not run (projected too slow). */
  readonly error?: string;
  readonly na?: string;
  readonly skipped?: { readonly projectedMs: number };
}

/** What a child writes, one message (Node, over IPC) or one JSON line (Python, on stdout) each. */
export type ChildMessage =
  | { readonly type: 'cell'; readonly result: CellResult }
  /** Before any cell: the library's version and its backends as found (tfjs: which can train, which lack what). */
  | { readonly type: 'info'; readonly info: Record<string, unknown> }
  | { readonly type: 'error'; readonly message: string }
  /** Last: the CPU time the process used, all its threads (so that its own work is not counted as other load). */
  | { readonly type: 'done'; readonly cpuMs: number };

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** A copy out of a file's bytes: a Buffer may sit at an offset of a pool that is not aligned for the element type. */
function readArray<T>(path: string, make: (buffer: ArrayBuffer) => T): T {
  const bytes = readFileSync(path);
  return make(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
}

/** The first `batch` images (NCHW) and labels of the data folder. */
export function readBatch(dir: string, batch: number): { images: Float32Array; labels: Int32Array } {
  const images = readArray(join(dir, 'images.f32'), (b) => new Float32Array(b));
  const labels = readArray(join(dir, 'labels.i32'), (b) => new Int32Array(b));
  return { images: images.subarray(0, batch * IMAGE_SIZE * IMAGE_SIZE), labels: labels.subarray(0, batch) };
}

/** One layer of a model's JSON (src/nn/json.ts): its type and constructor arguments. */
export type LayerSpec = Record<string, unknown> & { type: string };

export function modelJSON(dir: string, kind: TwinKind): { type: 'Sequential'; layers: LayerSpec[] } {
  return JSON.parse(readFileSync(join(dir, `${kind}.json`), 'utf8'));
}

export function weightsBytes(dir: string, kind: TwinKind): Uint8Array {
  return new Uint8Array(readFileSync(join(dir, `${kind}.safetensors`)));
}

/**
 * Runs `step` (which returns its loss) `warmup` times untimed, then `steps` times timed one by one,
 * stopping early once `budgetMs` has passed (after at least one timed step).
 */
export async function runSteps(step: () => number | Promise<number>, warmup: number, steps: number, budgetMs = Infinity): Promise<{ firstLoss: number; lastLoss: number; stepMs: number[] }> {
  const firstLoss = await step();
  let lastLoss = firstLoss;
  for (let i = 1; i < warmup; i++) lastLoss = await step();
  const stepMs: number[] = [];
  const started = performance.now();
  while (stepMs.length < steps && (stepMs.length === 0 || performance.now() - started < budgetMs)) {
    const t0 = performance.now();
    lastLoss = await step();
    stepMs.push(performance.now() - t0);
  }
  return { firstLoss, lastLoss, stepMs };
}
