/**
 * The whole-network table: a row per workload, a column per contender (median ms per call), then one
 * column per peer with convkit's time over the peer's, convkit's fastest correct configuration that uses
 * no more threads than the peer (report.ts's convkitBest: below 1x, convkit is faster).
 */
import { contenderId, contenderLabel, type ContenderSpec } from '../contender.js';
import { convkitBest, fmtMacs, fmtMs, issueLines, loadWarning, markdownTable, threadsDiffer, usable, type BenchResults } from '../report.js';
import type { ModelWorkload } from './workloads.js';

export type ModelResults = BenchResults<ModelWorkload>;

function timeCell(results: ModelResults, spec: ContenderSpec, workload: string): string {
  const cell = results.cells.get(contenderId(spec))?.get(workload);
  if (cell === undefined) return 'not run';
  if (cell.error !== undefined) return 'ERROR';
  if (cell.timing === undefined) return '?';
  const text = `${fmtMs(cell.timing.medianMs)}${threadsDiffer(spec, cell) ? '†' : ''}`;
  return cell.check !== undefined && !cell.check.ok ? `WRONG err ${cell.check.maxAbsErr.toExponential(1)} [${text}]` : text;
}

/** convkit's time over `peer`'s, or undefined where either is missing or wrong. */
export function ratio(results: ModelResults, peer: ContenderSpec, workload: string): number | undefined {
  const cell = results.cells.get(contenderId(peer))?.get(workload);
  const ck = convkitBest(results, workload, peer.threads);
  return usable(cell) && ck !== undefined ? ck / cell.timing.medianMs : undefined;
}

export function formatModelTable(results: ModelResults): string {
  const peers = results.specs.filter((s) => s.kind !== 'convkit');
  const hasConvkit = results.specs.some((s) => s.kind === 'convkit');
  const ratioSpecs = hasConvkit ? peers : [];
  const header = ['Workload', 'MACs', ...results.specs.map(contenderLabel), ...ratioSpecs.map((p) => `convkit / ${contenderLabel(p)}`)];
  const rows = results.workloads.map((w) => [
    `${w.id} ${w.title}`,
    fmtMacs(results.macs.get(w.id) ?? 0),
    ...results.specs.map((spec) => timeCell(results, spec, w.id)),
    ...ratioSpecs.map((peer) => {
      const r = ratio(results, peer, w.id);
      return r === undefined ? '-' : `${r.toFixed(2)}x`;
    }),
  ]);
  return markdownTable(header, rows);
}

export function formatModelLegend(results: ModelResults, reference: ContenderSpec): string {
  const lines = [
    'Cells: median ms per call (input Float32Array in, output Float32Array out; sessions, graphs and weights prepared before timing).',
    'Ratio columns: convkit\'s time / the peer\'s (below 1x: convkit faster), for convkit\'s fastest correct configuration with no more threads than the peer.',
    `Outputs checked against ${contenderLabel(reference)} (plain forward, eval mode): max abs err <= 1e-4 * max(1, max|ref|); WRONG cells are excluded from ratios.`,
  ];
  const referenceId = contenderId(reference);
  for (const w of results.workloads) {
    const cell = results.cells.get(referenceId)?.get(w.id);
    if (cell === undefined || cell.error !== undefined) lines.push(`ERROR ${contenderLabel(reference)} (the reference) on ${w.id}: ${cell?.error ?? 'no result'}; nothing checked there`);
  }
  return [...lines, ...loadWarning(results), ...issueLines(results)].join('\n');
}
