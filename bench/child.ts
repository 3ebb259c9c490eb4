/**
 * One contender configuration, in its own process: opens the library, then for each workload prepares,
 * times and reports to the parent (run.ts) over IPC. Outputs go back as Float32Arrays (the parent forks
 * with 'advanced' serialisation) so the parent can check them against convkit's.
 */
import type { Output } from './check.js';
import { openContender, type Contender, type ContenderSpec, type Prepared } from './contender.js';
import { errorText, send } from './ipc.js';
import { FULL_TIMING, invoke, QUICK_TIMING, timeCalls, type TimedResult, type Timing, type TimingOptions } from './timing.js';
import { gradOutputData, macs, workloadById, workloadData, type Workload } from './workloads.js';

export interface ChildRequest {
  readonly spec: ContenderSpec;
  readonly workloads: readonly string[];
  readonly quick: boolean;
  /** One call per workload, not timed: the oracle every output is checked against (convkit's reference backend is slow). */
  readonly untimed?: boolean;
  /**
   * Skip a workload whose call would take longer than this (ms), projected from the MACs and this
   * process's best rate so far (so a library is only skipped where even its best pace is too slow:
   * tfjs's plain-JS gradients run at 0.03 GFLOP/s, and would take minutes a call on the large layers).
   */
  readonly capMs?: number;
}

export type ChildMessage =
  | {
    type: 'result'; workload: string; timing?: Timing; output: Output; emulated?: string; threads?: number;
    /** The library's backend that ran it, where it picks one per workload. */
    backend?: string;
  }
  | { type: 'error'; workload: string | null; message: string }
  /** The library cannot run this workload (a documented limit, not a failure). */
  | { type: 'na'; workload: string; message: string }
  /** Not run: the call was projected to take `projectedMs`, over the request's cap. */
  | { type: 'skipped'; workload: string; projectedMs: number; message: string }
  /** Last message: the CPU time this process used, all its threads included (to tell other load on the machine apart). */
  | { type: 'done'; cpuMs: number };

function prepare(contender: Contender, spec: ContenderSpec, workload: Workload): Promise<Prepared<Output>> {
  const data = workloadData(workload);
  if (spec.pass === 'step') {
    if (contender.prepareStep === undefined) throw new Error(`${spec.kind} has no training step here`);
    return contender.prepareStep(workload, data, gradOutputData(workload));
  }
  if (contender.prepare === undefined) throw new Error(`${spec.kind} has no forward pass here`);
  return contender.prepare(workload, data) as Promise<Prepared<Output>>;
}

async function run(prepared: Prepared<Output>, options: TimingOptions, warmupMinCalls: number, untimed: boolean): Promise<Partial<TimedResult<Output>>> {
  if (untimed) return { output: await invoke(prepared.call) };
  return prepared.timed ? prepared.timed(options, warmupMinCalls) : timeCalls(prepared.call, options, warmupMinCalls);
}

/** A contender's best pace so far in this process, in ms per MAC: what ChildRequest.capMs projects from. */
class Pace {
  #best: { msPerMac: number; workload: string } | undefined;

  /** The skip message for `workload` if its call is projected to take over `capMs`; undefined: run it. */
  skip(workload: Workload, capMs: number | undefined): { projectedMs: number; message: string } | undefined {
    if (capMs === undefined || this.#best === undefined) return undefined;
    const projectedMs = macs(workload) * this.#best.msPerMac;
    if (projectedMs <= capMs) return undefined;
    const message = `not run: ~${(projectedMs / 1000).toPrecision(2)} s a call at its best pace so far (${this.#best.workload}'s), over the cap of ${capMs / 1000} s`;
    return { projectedMs, message };
  }

  record(workload: Workload, timing: Timing | undefined): void {
    if (timing === undefined) return;
    const msPerMac = timing.medianMs / Math.max(1, macs(workload));
    if (this.#best === undefined || msPerMac < this.#best.msPerMac) this.#best = { msPerMac, workload: workload.id };
  }
}

async function main(): Promise<void> {
  const request = JSON.parse(process.argv[2]) as ChildRequest;
  const options = request.quick ? QUICK_TIMING : FULL_TIMING;
  let contender;
  try {
    contender = await openContender(request.spec);
  } catch (err) {
    await send({ type: 'error', workload: null, message: errorText(err) });
    return;
  }
  const warmupMinCalls = Math.max(options.warmupMinCalls, contender.warmupMinCalls ?? 0);
  const pace = new Pace();
  for (const id of request.workloads) {
    try {
      const workload = workloadById(id);
      const na = contender.notApplicable?.(workload, request.spec.pass ?? 'forward');
      if (na !== undefined) {
        await send({ type: 'na', workload: id, message: na });
        continue;
      }
      const skip = pace.skip(workload, request.capMs);
      if (skip !== undefined) {
        await send({ type: 'skipped', workload: id, ...skip });
        continue;
      }
      const prepared = await prepare(contender, request.spec, workload);
      const { timing, output } = await run(prepared, options, warmupMinCalls, request.untimed ?? false);
      pace.record(workload, timing);
      if (output === undefined) throw new Error('no output');
      const nchw = prepared.toNCHW ? prepared.toNCHW(output) : output;
      await prepared.dispose?.();
      const threads = contender.effectiveThreads?.();
      await send({ type: 'result', workload: id, timing, output: nchw, emulated: prepared.emulated, threads, backend: prepared.backend });
    } catch (err) {
      await send({ type: 'error', workload: id, message: errorText(err) });
    }
  }
  const cpu = process.cpuUsage();
  await send({ type: 'done', cpuMs: (cpu.user + cpu.system) / 1000 + (contender.helperCpuMs?.() ?? 0) });
}

// Exit explicitly: ORT-web's worker threads would otherwise keep the process alive.
main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
