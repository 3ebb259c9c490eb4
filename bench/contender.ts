/**
 * What a contender is: a library configuration (backend, thread count) that can turn a workload into
 * a timed call. Each configuration runs in its own child process (see child.ts), because thread counts
 * are process-global in ORT-web and convkit, and so that one peer's worker threads, heap and JIT
 * state cannot slow the next.
 */
import type { NamedArrays, Output } from './check.js';
import type { Call, TimedResult, TimingOptions } from './timing.js';
import type { Workload, WorkloadData } from './workloads.js';

/** 'tfjs' and 'torch' are the backward bench's peers (tfjs on whichever backend has the gradient kernels). */
export type ContenderKind = 'convkit' | 'ort-web' | 'tfjs-wasm' | 'ort-node' | 'tfjs' | 'torch';

/** What one timed call is: an inference (the forward bench), or a training step, forward + backward. */
export type Pass = 'forward' | 'step';

export interface ContenderSpec {
  readonly kind: ContenderKind;
  /** convkit only: the backend name given to `setBackend`. */
  readonly backend?: string;
  readonly threads: number;
  /** Default 'forward'. */
  readonly pass?: Pass;
}

/** A workload made ready to run: weights loaded, sessions created, all outside the timed call. */
export interface Prepared<T extends Output = Float32Array> {
  readonly call: Call<T>;
  /**
   * Set where the library times itself, out of this process (PyTorch in Python: timing across the pipe
   * would count the pipe), with timing.ts's policy; `call` is then unused.
   */
  timed?(options: TimingOptions, warmupMinCalls: number): Promise<TimedResult<T>>;
  /** The peer's output as PyTorch lays it out for checking (tfjs computes NHWC); done after timing, not counted. */
  toNCHW?(output: T): T;
  /** Which of the library's backends ran the workload, where it picks one per workload (tfjs, for gradients). */
  readonly backend?: string;
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
  /** CPU time (ms) of processes the contender runs its work in (PyTorch's Python), so that it is not counted as other load. */
  helperCpuMs?(): number;
  prepare?(workload: Workload, data: WorkloadData): Promise<Prepared>;
  /** Why this library cannot run `workload`'s `pass` at all, if it cannot: asked first, so that such a cell says n/a, never skipped. */
  notApplicable?(workload: Workload, pass: Pass): string | undefined;
  /**
   * One training step: forward, then backward from `gradOutput` (dL/dy, the final output's shape), to
   * the gradients of the input and of every layer's weight and bias, and the output (`STEP_NAMES`).
   */
  prepareStep?(workload: Workload, data: WorkloadData, gradOutput: Float32Array): Promise<Prepared<NamedArrays>>;
}

/**
 * The names of a step's outputs, as PyTorch's autograd and a Sequential's state dict name them: the
 * output 'y', the input's gradient 'x.grad', then each layer's '<i>.weight.grad' and '<i>.bias.grad'.
 */
export const STEP_NAMES = {
  y: 'y',
  x: 'x.grad',
  weight: (layer: number) => `${layer}.weight.grad`,
  bias: (layer: number) => `${layer}.bias.grad`,
} as const;

/** The forward benches' peers, in table order; ORT-node last, as the native ceiling. tfjs-wasm has no threads under Node. */
export const PEER_SPECS: readonly ContenderSpec[] = [
  { kind: 'ort-web', threads: 1 },
  { kind: 'ort-web', threads: 2 },
  { kind: 'tfjs-wasm', threads: 1 },
  { kind: 'ort-node', threads: 1 },
  { kind: 'ort-node', threads: 2 },
];

export function contenderId(spec: ContenderSpec): string {
  const name = spec.kind === 'convkit' ? `convkit-${spec.backend}` : spec.kind;
  return `${name}-${spec.threads}t${spec.pass === 'step' ? '-step' : ''}`;
}

const KIND_LABELS: Record<ContenderKind, string> = {
  'convkit': 'convkit',
  'ort-web': 'ORT-web wasm',
  'tfjs-wasm': 'tfjs-wasm',
  'ort-node': 'ORT-node',
  'tfjs': 'tfjs',
  'torch': 'PyTorch',
};

export function contenderLabel(spec: ContenderSpec): string {
  const name = spec.kind === 'convkit' ? `convkit ${spec.backend}` : KIND_LABELS[spec.kind];
  return `${name} ${spec.threads}T${spec.pass === 'step' ? ' fwd+bwd' : ''}`;
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
    case 'tfjs':
      return (await import('./peers/tfjs-step.js')).openTfjsStep(spec.threads);
    case 'torch':
      return (await import('./peers/torch.js')).openTorch(spec.threads);
  }
}
