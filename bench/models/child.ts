/**
 * One contender configuration of `npm run bench:models`, in its own process (forked by parent.ts, the
 * same messages as child.ts): argv[2] is the ChildRequest, argv[3] the folder of calibrated weights.
 * Each workload: load the model, prepare, time (timing.ts), send the output back to be checked.
 */
import type { ChildRequest } from '../child.js';
import { errorText, send } from '../ipc.js';
import { FULL_TIMING, invoke, QUICK_TIMING, timeCalls } from '../timing.js';
import { openModelContender } from './contenders.js';
import { loadModel, modelInput, modelWorkloadById, type Architecture } from './workloads.js';

async function main(): Promise<void> {
  const request = JSON.parse(process.argv[2]) as ChildRequest;
  const dir = process.argv[3];
  const options = request.quick ? QUICK_TIMING : FULL_TIMING;
  let contender;
  try {
    contender = await openModelContender(request.spec);
  } catch (err) {
    await send({ type: 'error', workload: null, message: errorText(err) });
    return;
  }
  const warmupMinCalls = Math.max(options.warmupMinCalls, contender.warmupMinCalls ?? 0);
  // M1 and M2 are one network: loaded once.
  const models = new Map<Architecture, ReturnType<typeof loadModel>>();
  for (const id of request.workloads) {
    try {
      const workload = modelWorkloadById(id);
      const model = models.get(workload.architecture) ?? loadModel(dir, workload.architecture);
      models.set(workload.architecture, model);
      const prepared = await contender.prepare(workload, model, modelInput(workload));
      const { timing, output } = request.untimed
        ? { timing: undefined, output: await invoke(prepared.call) }
        : await timeCalls(prepared.call, options, warmupMinCalls);
      const nchw = prepared.toNCHW ? prepared.toNCHW(output) : output;
      await prepared.dispose?.();
      await send({ type: 'result', workload: id, timing, output: nchw, threads: contender.effectiveThreads?.() });
    } catch (err) {
      await send({ type: 'error', workload: id, message: errorText(err) });
    }
  }
  const cpu = process.cpuUsage();
  await send({ type: 'done', cpuMs: (cpu.user + cpu.system) / 1000 });
}

// Exit explicitly: ORT-web's and convkit's worker threads would otherwise keep the process alive.
main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
