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

function contender(
  ort: OrtModule,
  options: InferenceSession.SessionOptions,
  warmupMinCalls?: number,
  effectiveThreads?: () => number,
): Contender {
  return {
    warmupMinCalls,
    effectiveThreads,
    async prepare(workload: Workload, data: WorkloadData): Promise<Prepared> {
      const session = await ort.InferenceSession.create(onnxModel(workload, data), options);
      const dims = [...workload.input];
      return {
        // Per call: wrap the caller's Float32Array (no copy), run, read the output's CPU data.
        call: async () => {
          const results = await session.run({ [INPUT_NAME]: new ort.Tensor('float32', data.input, dims) });
          return results[OUTPUT_NAME].data as Float32Array;
        },
        dispose: () => session.release(),
      };
    },
  };
}

/**
 * ORT-web's thread count is a process-global setting read when its WebAssembly module starts, hence
 * one process per count. Threads do work under Node (worker_threads). Its first ~5 runs of a session
 * are 2-4x slower, so it warms up with at least 5.
 */
export async function openOrtWeb(threads: number): Promise<Contender> {
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.proxy = false;
  ort.env.logLevel = 'error';
  // ORT-web lowers numThreads to 1 when it cannot start workers (no SharedArrayBuffer): read it back.
  return contender(ort, { executionProviders: ['wasm'] }, 5, () => ort.env.wasm.numThreads ?? 1);
}

/** ORT-node's thread pool is per session: intra-op threads = the count asked; no inter-op parallelism to add. */
export async function openOrtNode(threads: number): Promise<Contender> {
  const ort = await import('onnxruntime-node');
  ort.env.logLevel = 'error';
  return contender(ort, {
    executionProviders: ['cpu'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
  });
}
