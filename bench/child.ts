/**
 * One contender configuration, in its own process: opens the library, then for each workload prepares,
 * times and reports to the parent (run.ts) over IPC. Outputs go back as Float32Arrays (the parent forks
 * with 'advanced' serialisation) so the parent can check them against convkit's.
 */
import { openContender, type ContenderSpec } from './contender.js';
import { FULL_TIMING, QUICK_TIMING, timeCalls, type Timing } from './timing.js';
import { workloadById, workloadData } from './workloads.js';

export interface ChildRequest {
  readonly spec: ContenderSpec;
  readonly workloads: readonly string[];
  readonly quick: boolean;
}

export type ChildMessage =
  | { type: 'result'; workload: string; timing: Timing; output: Float32Array; emulated?: string; threads?: number }
  | { type: 'error'; workload: string | null; message: string }
  /** Last message: the CPU time this process used, all its threads included (to tell other load on the machine apart). */
  | { type: 'done'; cpuMs: number };

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve, reject) => {
    if (process.send === undefined) throw new Error('bench/child.ts runs only as a child of bench/run.ts');
    process.send(message, undefined, {}, (err) => (err ? reject(err) : resolve()));
  });
}

function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
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
  for (const id of request.workloads) {
    try {
      const workload = workloadById(id);
      const prepared = await contender.prepare(workload, workloadData(workload));
      const { timing, output } = await timeCalls(prepared.call, options, Math.max(options.warmupMinCalls, contender.warmupMinCalls ?? 0));
      const nchw = prepared.toNCHW ? prepared.toNCHW(output) : output;
      await prepared.dispose?.();
      const threads = contender.effectiveThreads?.();
      await send({ type: 'result', workload: id, timing, output: nchw, emulated: prepared.emulated, threads });
    } catch (err) {
      await send({ type: 'error', workload: id, message: errorText(err) });
    }
  }
  const cpu = process.cpuUsage();
  await send({ type: 'done', cpuMs: (cpu.user + cpu.system) / 1000 });
}

// Exit explicitly: ORT-web's worker threads would otherwise keep the process alive.
main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
