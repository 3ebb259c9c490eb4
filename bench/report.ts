/**
 * Results: the one table printed (Markdown, so it pastes into docs as is) and the JSON written.
 * Rows are workloads, columns contenders; a peer's cell also carries convkit's speed relative to it.
 */
import type { Check } from './check.js';
import { contenderId, contenderLabel, type ContenderSpec, type Pass } from './contender.js';
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
  /** The library's backend that ran it, where the library picks one per workload (tfjs's gradients). */
  readonly backend?: string;
  readonly error?: string;
  /** Why the library cannot run this workload at all (shown as n/a, not as an error). */
  readonly na?: string;
  /** Not run, projected too slow for the run's time cap. */
  readonly skipped?: { readonly projectedMs: number; readonly reason: string };
}

/** What the helpers below need of a workload; `npm run bench:models`'s whole networks are workloads too. */
export interface WorkloadId {
  readonly id: string;
}

export interface BenchResults<W extends WorkloadId = Workload> {
  /** Contender id -> workload id -> result. */
  readonly cells: Map<string, Map<string, CellResult>>;
  readonly specs: readonly ContenderSpec[];
  readonly workloads: readonly W[];
  readonly macs: ReadonlyMap<string, number>;
  /** The contender every output was checked against. */
  readonly referenceId: string | null;
  /** Contender id -> cores other processes kept busy while it ran (null: not measured). */
  readonly otherLoad: ReadonlyMap<string, number | null>;
}

/** Other load above this (in cores) makes a contender's figures suspect, and the legend says so. */
export const LOAD_WARNING = 0.2;

/**
 * FLOPs per MAC of one call: a forward pass is 2 (multiply and add); its backward is counted as two
 * forward passes' worth (the input gradient and the weight gradient each do the forward's MACs), so a
 * training step, forward + backward, is 6.
 */
export const FLOPS_PER_MAC: Record<Pass, number> = { forward: 2, step: 6 };

export function gflops(macs: number, ms: number, pass: Pass = 'forward'): number {
  return (FLOPS_PER_MAC[pass] * macs) / (ms * 1e6);
}

export function fmtMs(ms: number): string {
  if (ms >= 100) return ms.toFixed(0);
  if (ms >= 10) return ms.toFixed(1);
  if (ms >= 1) return ms.toFixed(2);
  if (ms >= 0.1) return ms.toFixed(3);
  return ms.toPrecision(2);
}

export function fmtRate(value: number): string {
  if (value >= 10) return value.toFixed(0);
  if (value >= 1) return value.toFixed(1);
  return value.toPrecision(2);
}

export function fmtMacs(macs: number): string {
  if (macs >= 1e9) return `${(macs / 1e9).toPrecision(3)}G`;
  if (macs >= 1e6) return `${(macs / 1e6).toPrecision(3)}M`;
  if (macs >= 1e3) return `${(macs / 1e3).toPrecision(3)}k`;
  return String(macs);
}

export function usable(cell: CellResult | undefined): cell is CellResult & { timing: Timing } {
  return cell?.timing !== undefined && cell.error === undefined && cell.check?.ok !== false;
}

/**
 * convkit's time to compare a peer with: its fastest correct configuration using no more threads than
 * the peer (1T against 1T peers; against 2T peers the faster of its 1T and 2T).
 */
export function convkitBest(results: BenchResults<WorkloadId>, workload: string, maxThreads: number, pass: Pass = 'forward'): number | undefined {
  let best: number | undefined;
  for (const spec of results.specs) {
    if (spec.kind !== 'convkit' || spec.threads > maxThreads || (spec.pass ?? 'forward') !== pass) continue;
    const cell = results.cells.get(contenderId(spec))?.get(workload);
    if (usable(cell) && (best === undefined || cell.timing.medianMs < best)) best = cell.timing.medianMs;
  }
  return best;
}

export function threadsDiffer(spec: ContenderSpec, cell: CellResult | undefined): boolean {
  return cell?.threads !== undefined && cell.threads !== spec.threads;
}

/** A cell as the table shows it: `ms (GFLOP/s)` and markers, and for a peer convkit's time over its own. `suffix` goes before the ratio. */
export function cellText(results: BenchResults, spec: ContenderSpec, workload: string, suffix = ''): string {
  const cell = results.cells.get(contenderId(spec))?.get(workload);
  if (cell === undefined) return 'not run';
  if (cell.na !== undefined) return 'n/a';
  if (cell.skipped !== undefined) return `skipped (~${fmtMs(cell.skipped.projectedMs / 1000)} s)`;
  if (cell.error !== undefined) return 'ERROR';
  if (cell.timing === undefined) return '?';
  const ms = cell.timing.medianMs;
  const star = (cell.emulated !== undefined ? '*' : '') + (threadsDiffer(spec, cell) ? '†' : '');
  let text = `${fmtMs(ms)} (${fmtRate(cell.gflops ?? 0)})${star}${suffix}`;
  if (cell.check !== undefined && !cell.check.ok) return `WRONG err ${cell.check.maxAbsErr.toExponential(1)} [${text}]`;
  if (spec.kind !== 'convkit') {
    const ck = convkitBest(results, workload, spec.threads, spec.pass);
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
  return markdownTable(header, rows);
}

/** Markdown with aligned columns (it reads as a table in a terminal too): the first two left-aligned, the rest right. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
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
  return [...lines, ...loadWarning(results), ...issueLines(results)].join('\n');
}

/** One line per cell that did not run as its column says: another thread count (†), an error, a wrong output. */
export function issueLines(results: BenchResults<WorkloadId>): string[] {
  const lines: string[] = [];
  for (const spec of results.specs) {
    const differ = results.workloads.filter((w) => threadsDiffer(spec, results.cells.get(contenderId(spec))?.get(w.id)));
    if (differ.length > 0) {
      const ran = results.cells.get(contenderId(spec))?.get(differ[0].id)?.threads;
      lines.push(`† ${contenderLabel(spec)} reported running on ${ran} thread(s), not ${spec.threads} (${differ.map((w) => w.id).join(', ')}).`);
    }
    for (const w of results.workloads) {
      const cell = results.cells.get(contenderId(spec))?.get(w.id);
      if (cell?.error !== undefined) lines.push(`ERROR ${contenderLabel(spec)} on ${w.id}: ${cell.error}`);
      else if (cell?.check?.note !== undefined) lines.push(`WRONG ${contenderLabel(spec)} on ${w.id}: ${cell.check.note}`);
    }
  }
  return lines;
}

/** The warning, if any contender ran while other processes kept cores busy. */
export function loadWarning(results: BenchResults<WorkloadId>): string[] {
  const loaded = results.specs.filter((spec) => (results.otherLoad.get(contenderId(spec)) ?? 0) > LOAD_WARNING);
  if (loaded.length === 0) return [];
  const list = loaded.map((spec) => `${contenderLabel(spec)} ${(results.otherLoad.get(contenderId(spec)) ?? 0).toFixed(2)}`).join(', ');
  return [`WARNING: other processes kept cores busy during the run (cores, average): ${list}. Those figures are unreliable; rerun on a quiet machine.`];
}

/** The JSON form: everything in the table plus the raw timing details behind each median; each workload with its own fields. */
export function resultsJson<W extends WorkloadId>(results: BenchResults<W>, extra: Record<string, unknown>): unknown {
  return {
    ...extra,
    referenceId: results.referenceId,
    contenders: results.specs.map((spec) => ({
      id: contenderId(spec), label: contenderLabel(spec), ...spec, otherLoadCores: results.otherLoad.get(contenderId(spec)),
    })),
    workloads: results.workloads.map((w) => ({
      ...w,
      macs: results.macs.get(w.id),
      results: Object.fromEntries(
        results.specs.map((spec) => {
          const cell = results.cells.get(contenderId(spec))?.get(w.id);
          const ck = spec.kind === 'convkit' || !usable(cell) ? undefined : convkitBest(results, w.id, spec.threads, spec.pass);
          return [contenderId(spec), cell === undefined ? null : {
            ...cell.timing,
            processMediansMs: cell.medians,
            gflops: cell.gflops,
            maxAbsErr: cell.check?.maxAbsErr,
            tolerance: cell.check?.tolerance,
            ok: cell.error === undefined && cell.check?.ok !== false,
            emulated: cell.emulated,
            threadsReported: cell.threads,
            backend: cell.backend,
            error: cell.error,
            notApplicable: cell.na,
            skipped: cell.skipped,
            convkitSpeedRatio: ck === undefined || cell.timing === undefined ? undefined : cell.timing.medianMs / ck,
          }];
        }),
      ),
    })),
  };
}
