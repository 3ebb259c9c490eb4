/**
 * `npm run bench:backward` (= `npm run bench -- --backward`): one training step (forward + backward to
 * the input, weight and bias gradients) per workload, for convkit's wasm backend on 1 and 2 threads,
 * PyTorch on 1 and 2 (a Python child, peers/torch.ts) and tfjs on its best backend that has the
 * gradient kernels (peers/tfjs-step.ts); convkit's forward pass too, for the backward/forward ratio.
 * Every step's outputs are checked against one step of convkit's reference backend before they count.
 * Then a memory check: many steps of a small layer, memory read at intervals (memory.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { NamedArrays, Output } from '../check.js';
import { contenderId, contenderLabel, type ContenderSpec } from '../contender.js';
import { convkitSpecs } from '../convkit.js';
import { describeHost } from '../machine.js';
import { runRounds } from '../parent.js';
import { measurePeak } from '../peak.js';
import { tfjsKernelTable } from '../peers/tfjs-step.js';
import { PYTHON } from '../peers/torch.js';
import { resultsJson, type BenchResults } from '../report.js';
import type { Cli } from '../run.js';
import { macs } from '../workloads.js';
import { formatMemory, runMemoryCheck } from './memory-report.js';
import { derived, formatBackwardLegend, formatBackwardTable, type Columns } from './report.js';
import { describeTorch, torchInfo } from './torch-info.js';

/** The configurations, in table order, and the oracle: convkit's reference backend when this checkout has it. */
async function backwardSpecs(kinds: ReadonlySet<string>): Promise<{ specs: ContenderSpec[]; reference?: ContenderSpec; columns: Columns }> {
  const convkit = await convkitSpecs();
  const wasm = convkit.filter((s) => s.backend === 'wasm');
  const forward1 = wasm.find((s) => s.threads === 1);
  const steps = wasm.map((s): ContenderSpec => ({ ...s, pass: 'step' }));
  const reference = convkit.find((s) => s.backend === 'reference');
  const specs: ContenderSpec[] = [
    ...(kinds.has('convkit') ? [...(forward1 ? [forward1] : []), ...steps] : []),
    ...(kinds.has('torch') ? [1, 2].map((threads): ContenderSpec => ({ kind: 'torch', threads, pass: 'step' })) : []),
    ...(kinds.has('tfjs') ? [{ kind: 'tfjs', threads: 1, pass: 'step' } as const] : []),
  ];
  const has = (spec: ContenderSpec | undefined) => (spec !== undefined && specs.includes(spec) ? spec : undefined);
  return {
    specs,
    reference: reference === undefined ? undefined : { ...reference, pass: 'step' },
    columns: { forward1: has(forward1), step1: has(steps.find((s) => s.threads === 1)), step2: has(steps.find((s) => s.threads === 2)) },
  };
}

export async function runBackward(cli: Cli): Promise<void> {
  const { machine, peak, text } = await describeHost();
  const torch = cli.kinds.has('torch') ? torchInfo() : undefined;
  console.log(`${text}\n${torch ? describeTorch(torch) : `PyTorch: ${cli.kinds.has('torch') ? `not found (${PYTHON} cannot import torch; CONVKIT_TORCH_PYTHON names another), left out` : 'not run'}`}`);
  // Without PyTorch its columns would be all ERROR: left out, as said above.
  const kinds = new Set([...cli.kinds].filter((k) => k !== 'torch' || torch !== undefined));
  const rounds = cli.repeat > 1 ? `; ${cli.repeat} processes per contender, best median kept` : '';
  console.log(`Backward bench, mode: ${cli.quick ? 'quick' : 'full'}; workloads: ${cli.workloads.map((w) => w.id).join(', ')}${rounds}\n`);

  const { specs, reference, columns } = await backwardSpecs(kinds);
  const { cells, otherLoad } = await runRounds({
    specs, reference, untimedReference: true, workloads: cli.workloads, quick: cli.quick, repeat: cli.repeat,
    // tfjs's cpu gradients are plain loops, their time in proportion to the MACs, so its pace on one
    // workload predicts the next; a fast library's does not (a 1x1 layer on a GEMM path, a loaded
    // moment), and a cap would skip its large layers wrongly.
    capMs: (spec) => (spec.kind === 'tfjs' && cli.capS > 0 ? cli.capS * 1000 : undefined),
    // A forward pass is checked against the reference step's output.
    expected: (spec, ref: Output) => (spec.pass === 'step' ? ref : (ref as NamedArrays).y),
  });
  const referenceId = reference === undefined ? null : contenderId(reference);
  const results: BenchResults = { cells, specs, workloads: cli.workloads, referenceId, otherLoad, macs: new Map(cli.workloads.map((w) => [w.id, macs(w)])) };
  const tfjsKernels = cli.kinds.has('tfjs') ? await tfjsKernelTable() : undefined;

  console.log(formatBackwardTable(results, columns));
  console.log(`\n${formatBackwardLegend(results, { tfjsKernels, torch, capS: cli.capS })}`);
  // The oracle is no column; say so if it failed, since nothing was checked then.
  for (const w of cli.workloads) {
    const cell = referenceId === null ? undefined : cells.get(referenceId)?.get(w.id);
    if (reference !== undefined && (cell === undefined || cell.error !== undefined)) console.log(`ERROR ${contenderLabel(reference)} (the reference) on ${w.id}: ${cell?.error ?? 'no result'}; nothing checked there`);
  }

  // Once more after the run: measured at one moment on a shared machine, the limit moves with its load.
  const peakAfter = await measurePeak();
  console.log(`\nWebAssembly f32x4 mul+add limit measured again after the run: ${peakAfter.toFixed(1)} GFLOP/s (before: ${peak.toFixed(1)})`);

  const memory = cli.skipMemory ? undefined : await runMemoryCheck({ backend: columns.step1?.backend ?? 'wasm', threads: 1, steps: 1000, warmupSteps: 100 });
  if (memory !== undefined) console.log(`\n${formatMemory(memory)}`);

  mkdirSync(dirname(cli.json), { recursive: true });
  const json = {
    ...(resultsJson(results, { date: new Date().toISOString(), machine, peakGflops: peak, peakGflopsAfter: peakAfter, torch, quick: cli.quick, repeat: cli.repeat, pass: 'step' }) as object),
    reference: referenceId === null ? null : Object.fromEntries(cli.workloads.map((w) => [w.id, { error: cells.get(referenceId)?.get(w.id)?.error }])),
    derived: Object.fromEntries(cli.workloads.map((w) => [w.id, derived(results, columns, w.id)])),
    tfjsKernels,
    memory,
  };
  writeFileSync(cli.json, `${JSON.stringify(json, null, 2)}\n`);
  console.log(`\nJSON: ${cli.json}`);
}
