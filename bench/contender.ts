/**
 * What a contender is: a library configuration (backend, thread count) that can turn a workload into
 * a timed call. Each configuration runs in its own child process (see child.ts), because thread counts
 * are process-global in ORT-web and convkit, and so that one peer's worker threads, heap and JIT
 * state cannot slow the next.
 */
import type { Call } from './timing.js';
import type { Workload, WorkloadData } from './workloads.js';

export type ContenderKind = 'convkit' | 'ort-web' | 'tfjs-wasm' | 'ort-node';

export interface ContenderSpec {
  readonly kind: ContenderKind;
  /** convkit only: the backend name given to `setBackend`. */
  readonly backend?: string;
  readonly threads: number;
}

/** A workload made ready to run: weights loaded, sessions created, all outside the timed call. */
export interface Prepared {
  readonly call: Call;
  /** The peer's output as NCHW for checking (tfjs computes NHWC); done after timing, not counted. */
  toNCHW?(output: Float32Array): Float32Array;
  /** Set when the library cannot express the workload and it is built from other ops, as a user would. */
  readonly emulated?: string;
  dispose?(): void | Promise<void>;
}

export interface Contender {
  /** Untimed calls this contender needs before it runs at speed (more than the default one). */
  readonly warmupMinCalls?: number;
  /**
   * The threads the library says it ran on, where it says (asked after the workload ran, since pools
   * start lazily); a library may quietly fall back to one thread, and the table must not call that 2T.
   */
  effectiveThreads?(): number;
  prepare(workload: Workload, data: WorkloadData): Promise<Prepared>;
}

export function contenderId(spec: ContenderSpec): string {
  const name = spec.kind === 'convkit' ? `convkit-${spec.backend}` : spec.kind;
  return `${name}-${spec.threads}t`;
}

const KIND_LABELS: Record<ContenderKind, string> = {
  'convkit': 'convkit',
  'ort-web': 'ORT-web wasm',
  'tfjs-wasm': 'tfjs-wasm',
  'ort-node': 'ORT-node',
};

export function contenderLabel(spec: ContenderSpec): string {
  const name = spec.kind === 'convkit' ? `convkit ${spec.backend}` : KIND_LABELS[spec.kind];
  return `${name} ${spec.threads}T`;
}

/** Loads only the library this process needs (importing all four would cost memory and start-up). */
export async function openContender(spec: ContenderSpec): Promise<Contender> {
  switch (spec.kind) {
    case 'convkit':
      return (await import('./convkit.js')).openConvkit(spec);
    case 'ort-web':
      return (await import('./peers/ort.js')).openOrtWeb(spec.threads);
    case 'ort-node':
      return (await import('./peers/ort.js')).openOrtNode(spec.threads);
    case 'tfjs-wasm':
      return (await import('./peers/tfjs.js')).openTfjsWasm(spec.threads);
  }
}
