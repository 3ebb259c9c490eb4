/// <reference path="./platform.d.ts" />
/**
 * The kernels' WebAssembly instance and its memory. Memory is laid out afresh for every op by a bump
 * arena (nothing outlives a call, so memory does not grow over repeated calls), and grows on demand up
 * to what 32-bit WebAssembly can address. Below the arena, a resident zone keeps arrays that many calls
 * read unchanged (Winograd's transformed weights), so that they are not copied in at every call; it is
 * emptied whenever it would pass RESIDENT_BYTES.
 */
import { argError } from '../../errors.js';
import { PLAIN_KERNELS, SHARED_KERNELS } from './kernels.generated.js';

export interface KernelExports {
  gemmDirectTask(params: number, task: number, worker: number): void;
  gemmIm2colTask(params: number, task: number, worker: number): void;
  padTask(params: number, task: number, worker: number): void;
  depthwiseTask(params: number, task: number, worker: number): void;
  denseTask(params: number, task: number, worker: number): void;
  splitTask(params: number, task: number, worker: number): void;
  winograd4InputTask(params: number, task: number, worker: number): void;
  winogradGemmTask(params: number, task: number, worker: number): void;
  winograd4OutputTask(params: number, task: number, worker: number): void;
  winograd2InputTask(params: number, task: number, worker: number): void;
  winograd2OutputTask(params: number, task: number, worker: number): void;
  winograd6InputTask(params: number, task: number, worker: number): void;
  winograd6OutputTask(params: number, task: number, worker: number): void;
  winograd7InputTask(params: number, task: number, worker: number): void;
  winograd7OutputTask(params: number, task: number, worker: number): void;
  packWeights(params: number, weight: number, bias: number): void;
  reluFloats(src: number, dst: number, n: number): void;
  reluGradFloats(y: number, grad: number, dst: number, n: number): void;
  activationFloats(kind: number, src: number, dst: number, n: number): void;
  activationGradFloats(kind: number, x: number, grad: number, dst: number, n: number): void;
  residualFloats(dst: number, residual: number, kind: number, n: number): void;
  channelShiftedSums(x: number, shift: number, sums: number, outer: number, channels: number, inner: number): void;
  channelGradSumsFloats(dy: number, x: number, mean: number, sums: number, outer: number, channels: number, inner: number): void;
  channelCombineFloats(x: number, centre: number, scale: number, shift: number, p: number, pScale: number, dst: number, outer: number, channels: number, inner: number): void;
}

const PAGE = 65536;
export const MAX_PAGES = 65536;
/** Below this, memory is left to the kernels' module (AssemblyScript keeps its static area at the bottom). */
const RESERVED = 4096;
const ALIGN = 64;
const RESIDENT_BYTES = 64 * 2 ** 20;

/** WebAssembly SIMD is there: this validates a module using one v128 instruction. */
export function simdSupported(): boolean {
  // (module (func (result v128) i32.const 0 i32x4.splat))
  const bytes = Uint8Array.of(0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 8, 1, 6, 0, 65, 0, 253, 17, 11);
  return typeof WebAssembly === 'object' && WebAssembly.validate(bytes);
}

function decode(base64: string): Uint8Array<ArrayBuffer> {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The kernels' bytes: the build for shared memory where threads may share it, else the plain one. */
function kernelBytes(shared: boolean): Uint8Array<ArrayBuffer> {
  return decode(shared ? SHARED_KERNELS : PLAIN_KERNELS);
}

function newMemory(shared: boolean): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: 256, maximum: MAX_PAGES, shared });
}

export class WasmInstance {
  private top = RESERVED;
  /** The arena starts here, past the resident zone. */
  private base = RESERVED;
  private resident = new WeakMap<Float32Array, { offset: number; generation: number }>();
  private generation = 0;
  private f32: Float32Array;
  private i32: Int32Array;

  constructor(
    readonly module: WebAssembly.Module,
    readonly memory: WebAssembly.Memory,
    readonly exports: KernelExports,
    readonly shared: boolean,
  ) {
    this.f32 = new Float32Array(this.memory.buffer);
    this.i32 = new Int32Array(this.memory.buffer);
  }

  /** Starts a new layout: everything allocated in the arena before is free. */
  reset(): void {
    this.top = this.base;
  }

  /** Where the next allocation goes, for `release`. */
  mark(): number {
    return this.top;
  }

  /** Frees everything allocated since `mark` returned `at`. */
  release(at: number): void {
    this.top = at;
  }

  /** Counts the times `keep` dropped everything resident to make room: offsets it returned before are void. */
  get evictions(): number {
    return this.generation;
  }

  /**
   * The offset of `data` in the resident zone, copied there on its first use. The caller must not change
   * `data` afterwards (a changed array is a new array). Call before `reset`: it may move the arena.
   */
  keep(where: string, data: Float32Array): number {
    const entry = this.resident.get(data);
    if (entry !== undefined && entry.generation === this.generation) return entry.offset;
    if (this.base + data.length * 4 + ALIGN > RESERVED + RESIDENT_BYTES) {
      this.generation++; // everything resident is dropped
      this.base = RESERVED;
    }
    this.top = this.base;
    const offset = this.alloc(where, data.length * 4);
    this.base = this.top;
    this.write(offset, data);
    this.resident.set(data, { offset, generation: this.generation });
    return offset;
  }

  /**
   * Reserves `bytes` (64-byte aligned, with 64 bytes of slack after it, since kernels read whole vectors
   * past the end of a row) and returns the byte offset. Grows memory when needed.
   * @throws when the layout would pass what 32-bit WebAssembly can address.
   */
  alloc(where: string, bytes: number): number {
    const offset = this.top;
    const end = offset + Math.ceil((bytes + ALIGN) / ALIGN) * ALIGN;
    if (end > MAX_PAGES * PAGE) {
      throw argError(where, `this problem needs ${Math.ceil(end / 2 ** 20)} MiB of WebAssembly memory, more than the ${(MAX_PAGES * PAGE) / 2 ** 20} MiB it can address: run it in smaller pieces, or on setBackend('reference')`);
    }
    const pages = this.memory.buffer.byteLength / PAGE;
    const needed = Math.ceil(end / PAGE);
    if (needed > pages) {
      this.memory.grow(needed - pages);
      // views of the old buffer see no new pages (and detach for unshared memory): make new ones
      this.f32 = new Float32Array(this.memory.buffer);
      this.i32 = new Int32Array(this.memory.buffer);
    }
    this.top = end;
    return offset;
  }

  write(offset: number, data: Float32Array): void {
    this.f32.set(data, offset / 4);
  }

  /** Copies `target.length` floats from `offset` into `target`. */
  readInto(offset: number, target: Float32Array): void {
    target.set(this.f32.subarray(offset / 4, offset / 4 + target.length));
  }

  /** `length` floats at `offset`, as a view of the memory as it is now (a later `alloc` may replace it). */
  floats(offset: number, length: number): Float32Array {
    return this.f32.subarray(offset / 4, offset / 4 + length);
  }

  writeInts(offset: number, values: ArrayLike<number>): void {
    this.i32.set(values, offset / 4);
  }
}

let instance: WasmInstance | null = null;

/** Threads need memory that workers can share; where SharedArrayBuffer is missing (a page that is not cross-origin isolated), it is plain. */
function canShare(): boolean {
  return typeof SharedArrayBuffer === 'function';
}

/** The kernels' instance, compiled synchronously on first use (a browser's main thread may refuse: see `wasmInstanceAsync`). */
export function wasmInstance(): WasmInstance {
  if (instance === null) {
    const shared = canShare();
    const module = new WebAssembly.Module(kernelBytes(shared));
    const memory = newMemory(shared);
    const exports = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as KernelExports;
    instance = new WasmInstance(module, memory, exports, shared);
  }
  return instance;
}

/** The same, compiled and instantiated asynchronously, as every host allows. */
export async function wasmInstanceAsync(): Promise<WasmInstance> {
  if (instance === null) {
    const shared = canShare();
    const module = await WebAssembly.compile(kernelBytes(shared));
    const memory = newMemory(shared);
    const exports = (await WebAssembly.instantiate(module, { env: { memory } })).exports as unknown as KernelExports;
    instance ??= new WasmInstance(module, memory, exports, shared);
  }
  return instance;
}
