/**
 * One Node contender configuration of the training bench (convkit at a thread count, or tfjs), in its own
 * process: each cell from the initial weights, its steps timed here, results sent to the parent
 * (train.ts) over IPC. argv[2] is the TrainRequest as JSON.
 */
import { CONVKIT_BACKEND, openConvkit } from './convkit.js';
import { median, modelJSON, runSteps, type CellResult, type ChildMessage, type TrainRequest } from './cells.js';
import { openTfjs, tfjsNotApplicable, type TfjsBackends } from './tfjs.js';

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve, reject) => {
    if (process.send === undefined) throw new Error('bench/train/child.ts runs only as a child of bench/train.ts');
    process.send(message, undefined, {}, (err) => (err ? reject(err) : resolve()));
  });
}

function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

function timed(cell: { model: CellResult['model']; batch: number }, run: Awaited<ReturnType<typeof runSteps>>, extra: Partial<CellResult>): CellResult {
  return { ...cell, ...run, medianMs: median(run.stepMs), ...extra };
}

async function runConvkit(request: TrainRequest): Promise<void> {
  const convkit = await openConvkit(request.spec.threads);
  await send({ type: 'info', info: { backend: CONVKIT_BACKEND } });
  for (const cell of request.cells) {
    try {
      const step = convkit.prepare(request.dir, cell);
      const run = await runSteps(step, request.warmup, request.steps);
      await send({ type: 'cell', result: timed(cell, run, { threads: convkit.threads(), backend: CONVKIT_BACKEND }) });
    } catch (err) {
      await send({ type: 'cell', result: { ...cell, error: errorText(err) } });
    }
  }
}

async function runTfjs(request: TrainRequest): Promise<void> {
  const tfjs = await openTfjs(request.spec.threads);
  const probes = new Map<string, TfjsBackends>();
  /** ms per image of each model's last cell, or its probe's: tfjs's plain-JS kernels cost in proportion to the images. */
  const pace = new Map<string, number>();
  for (const cell of request.cells) {
    try {
      const na = tfjsNotApplicable(modelJSON(request.dir, cell.model));
      if (na !== undefined) {
        await send({ type: 'cell', result: { ...cell, na } });
        continue;
      }
      let backends = probes.get(cell.model);
      if (backends === undefined) {
        backends = await tfjs.probe(request.dir, cell.model);
        probes.set(cell.model, backends);
        pace.set(cell.model, backends.probeMs / backends.probeBatch);
        await send({ type: 'info', info: { model: cell.model, version: tfjs.version, ...backends } });
      }
      const projectedMs = pace.get(cell.model)! * cell.batch;
      if (request.capMs !== undefined && projectedMs > request.capMs) {
        await send({ type: 'cell', result: { ...cell, skipped: { projectedMs } } });
        continue;
      }
      const { backend, step, dispose } = await tfjs.prepare(request.dir, cell, backends);
      try {
        const run = await runSteps(step, request.warmup, request.steps, request.budgetMs);
        const result = timed(cell, run, { threads: 1, backend });
        pace.set(cell.model, result.medianMs! / cell.batch);
        await send({ type: 'cell', result });
      } finally {
        dispose();
      }
    } catch (err) {
      await send({ type: 'cell', result: { ...cell, error: errorText(err) } });
    }
  }
}

async function main(): Promise<void> {
  const request = JSON.parse(process.argv[2]) as TrainRequest;
  try {
    if (request.spec.kind === 'convkit') await runConvkit(request);
    else if (request.spec.kind === 'tfjs') await runTfjs(request);
    else throw new Error(`${request.spec.kind} does not run in a Node child`);
  } catch (err) {
    await send({ type: 'error', message: errorText(err) });
  }
  const cpu = process.cpuUsage();
  await send({ type: 'done', cpuMs: (cpu.user + cpu.system) / 1000 });
  // Thread pools (convkit's workers, tfjs's) would keep the process alive.
  process.exit(0);
}

await main();
