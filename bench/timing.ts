/**
 * Per-call timing with a time budget. A call is what a user pays for one inference: wrap a
 * Float32Array, run, read the output back as a Float32Array. Calls are timed back to back and the
 * median is reported, because a 2-vCPU VM has frequent outliers (the median ignores them, the mean
 * does not).
 */

/**
 * One inference (or, in the backward bench, one training step); may be async (onnxruntime's `run` is).
 * Returns the output as the peer lays it out: one array, or several named ones (a step's gradients).
 */
export type Call<T = Float32Array> = () => T | Promise<T>;

export interface TimingOptions {
  /**
   * Untimed calls first, at least this many (a contender may ask for more: ORT-web's first ~5 runs are
   * slow). One is enough for a call that alone outlasts `warmupMs` (the reference backend on W8).
   */
  readonly warmupMinCalls: number;
  /**
   * ...and keep warming up until this much time has passed (one call is enough if it alone takes longer).
   * V8 compiles WebAssembly with its baseline compiler first and its optimising one for hot functions
   * later: a 1x1 layer (W1) took about 300 ms of calls to settle at its speed, at 1.4-2x its time
   * before, so a warm-up of 100-300 ms timed half-compiled kernels (convkit's and the peers').
   */
  readonly warmupMs: number;
  /** Timed samples: at least this many, even if a single call overruns the budget... */
  readonly minSamples: number;
  /** ...at most this many... */
  readonly maxSamples: number;
  /** ...and no new sample once this much timed time has passed. */
  readonly budgetMs: number;
  /**
   * A sample is several back-to-back calls averaged when one call is shorter than this, so that tiny
   * workloads (W2 is 81 MACs, microseconds) are not measured at the clock's resolution.
   */
  readonly sampleMinMs: number;
}

export const FULL_TIMING: TimingOptions = {
  warmupMinCalls: 1, warmupMs: 1000, minSamples: 3, maxSamples: 200, budgetMs: 2000, sampleMinMs: 1,
};

export const QUICK_TIMING: TimingOptions = {
  warmupMinCalls: 1, warmupMs: 500, minSamples: 3, maxSamples: 25, budgetMs: 400, sampleMinMs: 1,
};

export interface Timing {
  /** Median per-call time over the samples. */
  readonly medianMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  readonly samples: number;
  readonly callsPerSample: number;
  readonly warmupCalls: number;
}

export interface TimedResult<T = Float32Array> {
  readonly timing: Timing;
  /** The output of the last timed call: what gets checked is what got timed. */
  readonly output: T;
}

export async function invoke<T>(call: Call<T>): Promise<T> {
  const out = call();
  // Synchronous contenders are not charged an extra await per call.
  return out instanceof Promise ? await out : out;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export async function timeCalls<T>(call: Call<T>, options: TimingOptions, warmupMinCalls = options.warmupMinCalls): Promise<TimedResult<T>> {
  let output = await invoke(call);
  let warmupCalls = 1;
  const warmupStart = performance.now();
  let steadyStart = warmupStart;
  // Warm-up; calls after the first count towards the estimate of one call's cost.
  while (warmupCalls < warmupMinCalls || performance.now() - warmupStart < options.warmupMs) {
    if (warmupCalls === 1) steadyStart = performance.now();
    output = await invoke(call);
    warmupCalls++;
  }
  const perCall = warmupCalls > 1 ? (performance.now() - steadyStart) / (warmupCalls - 1) : options.sampleMinMs;
  const callsPerSample = Math.max(1, Math.ceil(options.sampleMinMs / Math.max(perCall, 1e-6)));

  const samples: number[] = [];
  const timedStart = performance.now();
  while (
    samples.length < options.minSamples ||
    (samples.length < options.maxSamples && performance.now() - timedStart < options.budgetMs)
  ) {
    const start = performance.now();
    for (let i = 0; i < callsPerSample; i++) output = await invoke(call);
    samples.push((performance.now() - start) / callsPerSample);
  }
  return {
    timing: {
      medianMs: median(samples),
      minMs: Math.min(...samples),
      maxMs: Math.max(...samples),
      samples: samples.length,
      callsPerSample,
      warmupCalls,
    },
    output,
  };
}
