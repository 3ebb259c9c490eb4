/**
 * onnxruntime as peers: ORT-web (its WebAssembly build, the one a browser or Node app ships) and
 * ORT-node (native CPU kernels, MLAS with AVX-512: the ceiling of what this CPU does). Both run the
 * same in-memory ONNX model (onnx-model.ts) with default session options except thread counts.
 */
// Both packages re-export onnxruntime-common's types; the web one is named for the type import.
import type { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-web';
import type { Contender, Prepared } from '../contender.js';
import type { Workload, WorkloadData } from '../workloads.js';
import { INPUT_NAME, OUTPUT_NAME, onnxModel } from './onnx-model.js';

/** The parts of the two packages' (identical) API the bench uses. */
interface OrtModule {
  InferenceSession: { create(model: Uint8Array, options?: InferenceSession.SessionOptions): Promise<InferenceSession> };
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => OrtTensor;
}

/** One of the two packages opened for a thread count: its module, session options, and what the child needs to know. */
export interface OrtPeer {
  readonly ort: OrtModule;
  readonly options: InferenceSession.SessionOptions;
  readonly warmupMinCalls?: number;
  effectiveThreads?(): number;
}

/**
 * A session over `model`'s bytes, created here (outside timing), and the call a user makes per inference:
 * wrap the caller's Float32Array (no copy), run, read the output's CPU data.
 */
export async function sessionCall(peer: OrtPeer, model: Uint8Array, names: { input: string; output: string }, input: Float32Array, dims: readonly number[]): Promise<Prepared> {
  const { ort } = peer;
  const session = await ort.InferenceSession.create(model, peer.options);
  return {
    call: async () => {
      const results = await session.run({ [names.input]: new ort.Tensor('float32', input, dims) });
      return results[names.output].data as Float32Array;
    },
    dispose: () => session.release(),
  };
}

function contender(peer: OrtPeer): Contender {
  return {
    warmupMinCalls: peer.warmupMinCalls,
    effectiveThreads: peer.effectiveThreads,
    prepare: (workload: Workload, data: WorkloadData) =>
      sessionCall(peer, onnxModel(workload, data), { input: INPUT_NAME, output: OUTPUT_NAME }, data.input, workload.input),
  };
}

/**
 * ORT-web's thread count is a process-global setting read when its WebAssembly module starts, hence
 * one process per count. Threads do work under Node (worker_threads). Its first ~5 runs of a session
 * are 2-4x slower, so it warms up with at least 5.
 */
export async function ortWeb(threads: number): Promise<OrtPeer> {
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.proxy = false;
  ort.env.logLevel = 'error';
  // ORT-web lowers numThreads to 1 when it cannot start workers (no SharedArrayBuffer): read it back.
  return { ort, options: { executionProviders: ['wasm'] }, warmupMinCalls: 5, effectiveThreads: () => ort.env.wasm.numThreads ?? 1 };
}

/** ORT-node's thread pool is per session: intra-op threads = the count asked; no inter-op parallelism to add. */
export async function ortNode(threads: number): Promise<OrtPeer> {
  const ort = await import('onnxruntime-node');
  ort.env.logLevel = 'error';
  return {
    ort,
    options: { executionProviders: ['cpu'], intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential' },
  };
}

export async function openOrtWeb(threads: number): Promise<Contender> {
  return contender(await ortWeb(threads));
}

export async function openOrtNode(threads: number): Promise<Contender> {
  return contender(await ortNode(threads));
}
