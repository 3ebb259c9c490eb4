/**
 * The backward bench's table and legend: one row per workload; convkit's forward pass, its training
 * step (forward + backward) on 1 and 2 threads, the 2-thread speedup, PyTorch's and tfjs's steps with
 * convkit's time over theirs, and how fast convkit's backward runs beside its forward.
 */
import { contenderId, contenderLabel, type ContenderSpec } from '../contender.js';
import { describeTorch, isReferenceBlas, type TorchInfo } from './torch-info.js';
import { algorithms, cellText, fmtMacs, issueLines, loadWarning, markdownTable, usable, type BenchResults } from '../report.js';

function cellOf(results: BenchResults, spec: ContenderSpec | undefined, workload: string) {
  return spec === undefined ? undefined : results.cells.get(contenderId(spec))?.get(workload);
}

function timeOf(results: BenchResults, spec: ContenderSpec | undefined, workload: string): number | undefined {
  const cell = cellOf(results, spec, workload);
  return usable(cell) ? cell.timing.medianMs : undefined;
}

/** The backends tfjs ran the workloads on (it picks one per workload). */
function tfjsBackends(results: BenchResults, spec: ContenderSpec): Set<string> {
  const used = new Set<string>();
  for (const w of results.workloads) {
    const backend = cellOf(results, spec, w.id)?.backend;
    if (backend !== undefined) used.add(backend);
  }
  return used;
}

/**
 * Backward's GFLOP/s over forward's: the backward pass is the step's time less the forward's (both from
 * this run, same threads) and does twice the forward's MACs, so the ratio is 2 * forward / (step - forward).
 */
export function backwardOverForward(forwardMs: number | undefined, stepMs: number | undefined): number | undefined {
  if (forwardMs === undefined || stepMs === undefined || stepMs <= forwardMs) return undefined;
  return (2 * forwardMs) / (stepMs - forwardMs);
}

/** The convkit configurations the table derives its extra columns from. */
export interface Columns {
  readonly forward1?: ContenderSpec;
  readonly step1?: ContenderSpec;
  readonly step2?: ContenderSpec;
}

export interface Derived {
  /** convkit's 1-thread step time over its 2-thread one. */
  readonly speedup2T?: number;
  /** backwardOverForward at 1 thread. */
  readonly backwardOverForward1T?: number;
}

export function derived(results: BenchResults, columns: Columns, workload: string): Derived {
  const step1 = timeOf(results, columns.step1, workload);
  const step2 = timeOf(results, columns.step2, workload);
  return {
    speedup2T: step1 !== undefined && step2 !== undefined ? step1 / step2 : undefined,
    backwardOverForward1T: backwardOverForward(timeOf(results, columns.forward1, workload), step1),
  };
}

export function formatBackwardTable(results: BenchResults, columns: Columns): string {
  const label = (spec: ContenderSpec) => {
    if (spec.pass !== 'step') return `${contenderLabel(spec)} fwd`;
    if (spec.kind !== 'tfjs') return contenderLabel(spec);
    const used = tfjsBackends(results, spec);
    return used.size === 1 ? contenderLabel(spec).replace('tfjs', `tfjs-${[...used][0]}`) : contenderLabel(spec);
  };
  const extra = [
    ...(columns.step1 && columns.step2 ? ['2T speedup'] : []),
    ...(columns.forward1 && columns.step1 ? ['bwd/fwd 1T'] : []),
  ];
  const header = ['Workload', 'MACs', ...results.specs.map(label), ...extra];
  const rows = results.workloads.map((w) => {
    const cells = results.specs.map((spec) => {
      // A tfjs column that mixes backends says which ran each cell.
      const backend = spec.kind === 'tfjs' && tfjsBackends(results, spec).size > 1 ? cellOf(results, spec, w.id)?.backend : undefined;
      return cellText(results, spec, w.id, backend === undefined ? '' : ` [${backend}]`);
    });
    const { speedup2T, backwardOverForward1T } = derived(results, columns, w.id);
    const more = [
      ...(columns.step1 && columns.step2 ? [speedup2T === undefined ? '-' : `${speedup2T.toFixed(2)}x`] : []),
      ...(columns.forward1 && columns.step1 ? [backwardOverForward1T === undefined ? '-' : backwardOverForward1T.toFixed(2)] : []),
    ];
    return [`${w.id} ${w.title} [${algorithms(w)}]`, fmtMacs(results.macs.get(w.id) ?? 0), ...cells, ...more];
  });
  return markdownTable(header, rows);
}

export interface LegendExtras {
  /** tfjs backend -> gradient kernel -> registered. */
  readonly tfjsKernels?: Record<string, Record<string, boolean>>;
  readonly torch?: TorchInfo;
  readonly capS?: number;
}

export function formatBackwardLegend(results: BenchResults, extras: LegendExtras): string {
  const lines = [
    'Cells: median ms per call (GFLOP/s). A fwd+bwd call is one training step: forward, then backward from a given dL/dy to the',
    'gradients of the input, every weight and every bias, each read back as a Float32Array; GFLOP/s = 6*MACs/time (backward',
    'counted as 2x the forward MACs: the input gradient and the weight gradient each do them). A fwd call is inference, 2*MACs/time.',
    "Peer cells end with convkit's fwd+bwd time / the peer's (below 1x: convkit faster), for convkit's fastest correct",
    'configuration with no more threads than the peer. 2T speedup: convkit fwd+bwd 1T time / 2T time.',
    "bwd/fwd 1T: convkit's backward GFLOP/s over its forward GFLOP/s, the backward taken as (fwd+bwd time) - (fwd time),",
    'both from this run: 1.00 means backward runs at the forward kernels\' rate.',
    `Outputs checked against ${results.referenceId ?? 'nothing'} (one untimed step per workload): y, x.grad and each weight and bias`,
    'gradient, each within 1e-4 * max(1, its max |ref|); WRONG cells are excluded from ratios (a WRONG PyTorch cell means',
    "convkit's reference and PyTorch disagree).",
  ];
  if (extras.torch !== undefined) {
    lines.push(`${describeTorch(extras.torch)}; torch.set_num_threads 1 and 2; grads set to None before each step.`);
    if (isReferenceBlas(extras.torch)) {
      lines.push(
        "PyTorch's paths that call BLAS run on netlib's unblocked reference GEMM here, a few GFLOP/s: 1x1 convolutions on one thread",
        '(PyTorch 1.13 sends them to its GEMM path, not oneDNN, for batches under 16 and one thread: W1, W7, W4\'s pointwise half), and',
        'parts of the backward. With OpenBLAS (Debian: libopenblas0-pthread takes over libblas.so.3) those cells would be faster (not measured here).',
      );
    }
  }
  if (extras.tfjsKernels !== undefined) {
    const lacks = Object.entries(extras.tfjsKernels).map(([backend, kernels]) => {
      const missing = Object.entries(kernels).filter(([, has]) => !has).map(([name]) => name);
      return `${backend} ${missing.length === 0 ? 'has all' : `lacks ${missing.join(', ')}`}`;
    });
    lines.push(`tfjs gradient kernels: ${lacks.join('; ')}. Each workload runs on the first backend (wasm, then cpu) that has its kernels.`);
  }
  const na = results.specs.flatMap((spec) => results.workloads.filter((w) => cellOf(results, spec, w.id)?.na !== undefined)
    .map((w) => ({ spec, w, why: cellOf(results, spec, w.id)?.na })));
  if (na.length > 0) lines.push(`n/a: ${[...new Set(na.map(({ spec, why }) => `${contenderLabel(spec)}: ${why}`))].join('; ')} (${na.map(({ w }) => w.id).join(', ')}).`);
  const skipped = results.specs.flatMap((spec) => results.workloads.filter((w) => cellOf(results, spec, w.id)?.skipped !== undefined)
    .map((w) => `${w.id} ~${((cellOf(results, spec, w.id)?.skipped?.projectedMs ?? 0) / 1000).toPrecision(2)} s`)
    .map((text, i) => (i === 0 ? `${contenderLabel(spec)}: ${text}` : text)));
  if (skipped.length > 0) {
    lines.push(`skipped: not run, as a call was projected (its MACs at tfjs's best pace so far in the run) to take over the cap of ${extras.capS ?? '?'} s (--cap-s; 0 runs all): ${skipped.join(', ')}.`);
  }
  const emulated = results.workloads.some((w) => results.specs.some((s) => cellOf(results, s, w.id)?.emulated !== undefined));
  if (emulated) lines.push('* emulated: tfjs has no groups, so the layer is split into groups, one conv each, then concatenated.');
  return [...lines, ...loadWarning(results), ...issueLines(results)].join('\n');
}
