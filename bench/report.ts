/**
 * Results: the one table printed (Markdown, so it pastes into docs as is) and the JSON written.
 * Rows are workloads, columns contenders; a peer's cell also carries convkit's speed relative to it.
 */
import type { Check } from './check.js';
import { contenderId, contenderLabel, type ContenderSpec } from './contender.js';
import type { Timing } from './timing.js';
import { chooseStrategy } from '../src/backend/wasm/index.js';
import { conv2dGeometry } from '../src/index.js';
import type { Workload } from './workloads.js';

export interface CellResult {
  readonly timing?: Timing;
  readonly gflops?: number;
  readonly check?: Check;
  readonly emulated?: string;
  /** With --repeat: the median of each process, in run order (the cell shows the lowest). */
  readonly medians?: readonly number[];
  /** The threads the library reported running on, where it reports them. */
  readonly threads?: number;
  readonly error?: string;
}

export interface BenchResults {
  /** Contender id -> workload id -> result. */
  readonly cells: Map<string, Map<string, CellResult>>;
  readonly specs: readonly ContenderSpec[];
  readonly workloads: readonly Workload[];
  readonly macs: ReadonlyMap<string, number>;
  /** The contender every output was checked against. */
  readonly referenceId: string | null;
  /** Contender id -> cores other processes kept busy while it ran (null: not measured). */
  readonly otherLoad: ReadonlyMap<string, number | null>;
}

/** Other load above this (in cores) makes a contender's figures suspect, and the legend says so. */
export const LOAD_WARNING = 0.2;

export function gflops(macs: number, ms: number): number {
  return (2 * macs) / (ms * 1e6);
}

function fmtMs(ms: number): string {
  if (ms >= 100) return ms.toFixed(0);
  if (ms >= 10) return ms.toFixed(1);
  if (ms >= 1) return ms.toFixed(2);
  if (ms >= 0.1) return ms.toFixed(3);
  return ms.toPrecision(2);
}

function fmtRate(value: number): string {
  if (value >= 10) return value.toFixed(0);
  if (value >= 1) return value.toFixed(1);
  return value.toPrecision(2);
}

function fmtMacs(macs: number): string {
  if (macs >= 1e6) return `${(macs / 1e6).toPrecision(3)}M`;
  if (macs >= 1e3) return `${(macs / 1e3).toPrecision(3)}k`;
  return String(macs);
}

function usable(cell: CellResult | undefined): cell is CellResult & { timing: Timing } {
  return cell?.timing !== undefined && cell.error === undefined && cell.check?.ok !== false;
}

/**
 * convkit's time to compare a peer with: its fastest correct configuration using no more threads than
 * the peer (1T against 1T peers; against 2T peers the faster of its 1T and 2T).
 */
export function convkitBest(results: BenchResults, workload: string, maxThreads: number): number | undefined {
  let best: number | undefined;
  for (const spec of results.specs) {
    if (spec.kind !== 'convkit' || spec.threads > maxThreads) continue;
    const cell = results.cells.get(contenderId(spec))?.get(workload);
    if (usable(cell) && (best === undefined || cell.timing.medianMs < best)) best = cell.timing.medianMs;
  }
  return best;
}

function threadsDiffer(spec: ContenderSpec, cell: CellResult | undefined): boolean {
  return cell?.threads !== undefined && cell.threads !== spec.threads;
}

function cellText(results: BenchResults, spec: ContenderSpec, workload: string): string {
  const cell = results.cells.get(contenderId(spec))?.get(workload);
  if (cell === undefined) return 'not run';
  if (cell.error !== undefined) return 'ERROR';
  if (cell.timing === undefined) return '?';
  const ms = cell.timing.medianMs;
  const star = (cell.emulated !== undefined ? '*' : '') + (threadsDiffer(spec, cell) ? '†' : '');
  let text = `${fmtMs(ms)} (${fmtRate(cell.gflops ?? 0)})${star}`;
  if (cell.check !== undefined && !cell.check.ok) return `WRONG err ${cell.check.maxAbsErr.toExponential(1)} [${text}]`;
  if (spec.kind !== 'convkit') {
    const ck = convkitBest(results, workload, spec.threads);
    if (ck !== undefined) text += ` ${(ck / ms).toFixed(2)}x`;
  }
  return text;
}

/** The kernel convkit's wasm backend picks for each layer of a workload (its default settings). */
export function algorithms(w: Workload): string {
  let shape: number[] = [...w.input];
  return w.layers.map((l) => {
    const geom = conv2dGeometry(shape, [l.cOut, l.cIn / l.groups, l.kH, l.kW], [l.cOut], {
      stride: [l.strideH, l.strideW], padding: [l.padH, l.padW], dilation: [l.dilationH, l.dilationW], groups: l.groups,
    });
    shape = [geom.n, geom.cOut, geom.outH, geom.outW];
    return chooseStrategy(geom);
  }).join(' + ');
}

export function formatTable(results: BenchResults): string {
  const header = ['Workload', 'MACs', ...results.specs.map(contenderLabel)];
  const rows = results.workloads.map((w) => [
    `${w.id} ${w.title} [${algorithms(w)}]`,
    fmtMacs(results.macs.get(w.id) ?? 0),
    ...results.specs.map((spec) => cellText(results, spec, w.id)),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i < 2 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

export function formatLegend(results: BenchResults): string {
  const lines = [
    'Cells: median ms per call (GFLOP/s = 2*MACs/time). Peer cells end with convkit\'s time / the peer\'s time',
    '(below 1x: convkit faster), for convkit\'s fastest correct configuration with no more threads than the peer.',
    `Outputs checked against ${results.referenceId ?? 'nothing'}: max abs err <= 1e-4 * max(1, max|ref|); WRONG cells are excluded from ratios.`,
  ];
  const emulated = results.workloads.some((w) => [...results.cells.values()].some((m) => m.get(w.id)?.emulated !== undefined));
  if (emulated) lines.push('* emulated: tfjs has no groups, so the layer is split into groups, one conv each, then concatenated.');
  const errors: string[] = [];
  for (const spec of results.specs) {
    const differ = results.workloads.filter((w) => threadsDiffer(spec, results.cells.get(contenderId(spec))?.get(w.id)));
    if (differ.length > 0) {
      const ran = results.cells.get(contenderId(spec))?.get(differ[0].id)?.threads;
      errors.push(`† ${contenderLabel(spec)} reported running on ${ran} thread(s), not ${spec.threads} (${differ.map((w) => w.id).join(', ')}).`);
    }
    for (const w of results.workloads) {
      const cell = results.cells.get(contenderId(spec))?.get(w.id);
      if (cell?.error !== undefined) errors.push(`ERROR ${contenderLabel(spec)} on ${w.id}: ${cell.error}`);
      else if (cell?.check?.note !== undefined) errors.push(`WRONG ${contenderLabel(spec)} on ${w.id}: ${cell.check.note}`);
    }
  }
  const loaded = results.specs.filter((spec) => (results.otherLoad.get(contenderId(spec)) ?? 0) > LOAD_WARNING);
  if (loaded.length > 0) {
    const list = loaded.map((spec) => `${contenderLabel(spec)} ${(results.otherLoad.get(contenderId(spec)) ?? 0).toFixed(2)}`).join(', ');
    lines.push(`WARNING: other processes kept cores busy during the run (cores, average): ${list}. Those figures are unreliable; rerun on a quiet machine.`);
  }
  return [...lines, ...errors].join('\n');
}

/** The JSON form: everything in the table plus the raw timing details behind each median. */
export function resultsJson(results: BenchResults, extra: Record<string, unknown>): unknown {
  return {
    ...extra,
    referenceId: results.referenceId,
    contenders: results.specs.map((spec) => ({
      id: contenderId(spec), label: contenderLabel(spec), ...spec, otherLoadCores: results.otherLoad.get(contenderId(spec)),
    })),
    workloads: results.workloads.map((w) => ({
      id: w.id,
      title: w.title,
      input: w.input,
      layers: w.layers,
      macs: results.macs.get(w.id),
      results: Object.fromEntries(
        results.specs.map((spec) => {
          const cell = results.cells.get(contenderId(spec))?.get(w.id);
          const ck = spec.kind === 'convkit' || !usable(cell) ? undefined : convkitBest(results, w.id, spec.threads);
          return [contenderId(spec), cell === undefined ? null : {
            ...cell.timing,
            processMediansMs: cell.medians,
            gflops: cell.gflops,
            maxAbsErr: cell.check?.maxAbsErr,
            tolerance: cell.check?.tolerance,
            ok: cell.error === undefined && cell.check?.ok !== false,
            emulated: cell.emulated,
            threadsReported: cell.threads,
            error: cell.error,
            convkitSpeedRatio: ck === undefined || cell.timing === undefined ? undefined : cell.timing.medianMs / ck,
          }];
        }),
      ),
    })),
  };
}
