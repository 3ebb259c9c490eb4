/**
 * The training bench's results: rounds folded into cells (lowest median kept), the first-step losses
 * checked across libraries, the table (images per second), the targets, and the Markdown and JSON.
 */
import type { CellResult, ContenderSpec } from './cells.js';
import { contenderId, contenderLabel } from './children.js';

/** First-step losses must agree within this, relative to the reference's (PyTorch 1T, else convkit 1T). */
export const LOSS_RTOL = 1e-4;
/** The targets. */
export const TARGET_RATIO_1T = 0.5;
export const TARGET_SPEEDUP_2T = 1.7;

export interface Cell extends CellResult {
  /** Every round's median step time, and first-step loss. */
  readonly medians: readonly number[];
  readonly firstLosses: readonly number[];
  /** Set by `checkLosses`: the largest relative difference of this cell's first-step losses from the reference's. */
  lossCheck?: { readonly reference: string; readonly referenceLoss: number; readonly relErr: number; readonly ok: boolean };
}

/** contender id -> "model/batch" -> cell. */
export type Table = Map<string, Map<string, Cell>>;

export const cellKey = (model: string, batch: number) => `${model}/${batch}`;

/** Folds one more process's result in: the lowest median (noise on a shared machine only slows a process), an error in any round kept. */
export function mergeRound(previous: Cell | undefined, next: CellResult): Cell {
  const medians = [...(previous?.medians ?? []), ...(next.medianMs === undefined ? [] : [next.medianMs])];
  const firstLosses = [...(previous?.firstLosses ?? []), ...(next.firstLoss === undefined ? [] : [next.firstLoss])];
  if (previous === undefined || next.error !== undefined) return { ...next, medians, firstLosses };
  if (previous.error !== undefined) return { ...previous, medians, firstLosses };
  const faster = (next.medianMs ?? Infinity) < (previous.medianMs ?? Infinity) ? next : previous;
  return { ...faster, medians, firstLosses };
}

/**
 * Checks every cell's first-step losses (every round's) against the reference's first one: PyTorch 1T's
 * where it ran, else convkit 1T's. Returns the mismatches, one line each.
 */
export function checkLosses(table: Table, specs: readonly ContenderSpec[], keys: readonly string[]): string[] {
  const referenceIds = ['torch-1t', 'convkit-1t'].filter((id) => table.has(id));
  const problems: string[] = [];
  for (const key of keys) {
    const referenceId = referenceIds.find((id) => table.get(id)?.get(key)?.firstLosses.length);
    if (referenceId === undefined) continue;
    const referenceLoss = table.get(referenceId)!.get(key)!.firstLosses[0];
    for (const spec of specs) {
      const cell = table.get(contenderId(spec))?.get(key);
      if (cell === undefined || cell.firstLosses.length === 0) continue;
      const relErr = Math.max(...cell.firstLosses.map((loss) => Math.abs(loss - referenceLoss) / Math.abs(referenceLoss)));
      // NaN (a non-finite loss) fails too.
      const ok = relErr <= LOSS_RTOL;
      cell.lossCheck = { reference: referenceId, referenceLoss, relErr, ok };
      if (!ok) problems.push(`${contenderLabel(spec)} ${key}: first-step loss ${cell.firstLosses.join(', ')} vs ${referenceLoss} (${referenceId}), relative difference ${relErr.toExponential(2)} > ${LOSS_RTOL}`);
    }
  }
  return problems;
}

export const imagesPerSecond = (cell: Cell | undefined): number | undefined =>
  cell?.medianMs === undefined || cell.lossCheck?.ok === false ? undefined : (cell.batch * 1000) / cell.medianMs;

function cellText(cell: Cell | undefined, steps: number, threads: number): string {
  if (cell === undefined) return '-';
  if (cell.error !== undefined) return 'ERROR';
  if (cell.na !== undefined) return 'n/a';
  if (cell.skipped !== undefined) return `skipped (~${(cell.skipped.projectedMs / 1000).toFixed(0)} s/step)`;
  if (cell.lossCheck?.ok === false) return `**LOSS MISMATCH** ${cell.firstLoss} vs ${cell.lossCheck.referenceLoss}`;
  const rate = imagesPerSecond(cell)!;
  const few = (cell.stepMs?.length ?? 0) < steps ? ` (${cell.stepMs?.length} step${cell.stepMs?.length === 1 ? '' : 's'})` : '';
  const fell = cell.lastLoss !== undefined && cell.firstLoss !== undefined && !(cell.lastLoss < cell.firstLoss) ? ' ‡' : '';
  const otherThreads = cell.threads !== undefined && cell.threads !== threads ? ` † ${cell.threads}T` : '';
  return `${rate >= 100 ? rate.toFixed(0) : rate.toPrecision(3)}${few}${fell}${otherThreads}`;
}

const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? undefined : a / b);
const times = (x: number | undefined) => (x === undefined ? '-' : `${x.toFixed(2)}x`);

/** The figures the targets are about, per cell key. */
export function derived(table: Table, key: string): { ratio1T?: number; ratio2T?: number; speedup2T?: number; torchSpeedup2T?: number } {
  const rate = (id: string) => imagesPerSecond(table.get(id)?.get(key));
  return {
    ratio1T: ratio(rate('convkit-1t'), rate('torch-1t')),
    ratio2T: ratio(rate('convkit-2t'), rate('torch-2t')),
    speedup2T: ratio(rate('convkit-2t'), rate('convkit-1t')),
    torchSpeedup2T: ratio(rate('torch-2t'), rate('torch-1t')),
  };
}

export interface Layout {
  readonly specs: readonly ContenderSpec[];
  readonly cells: ReadonlyArray<{ model: string; batch: number }>;
  readonly steps: number;
  /** The tfjs backend the cells ran on (for its column's title). */
  readonly tfjsBackend?: string;
}

/** The table, Markdown: images per second of one training step, then the ratios. */
export function formatTable(table: Table, layout: Layout): string {
  const titles = layout.specs.map((s) => (s.kind === 'tfjs' && layout.tfjsBackend ? `tfjs (${layout.tfjsBackend})` : contenderLabel(s)));
  const header = ['Model', 'Batch', ...titles, 'convkit/PyTorch 1T', 'convkit/PyTorch 2T', 'convkit 2T speedup', 'PyTorch 2T speedup'];
  const rows = layout.cells.map(({ model, batch }) => {
    const key = cellKey(model, batch);
    const d = derived(table, key);
    return [model, String(batch), ...layout.specs.map((s) => cellText(table.get(contenderId(s))?.get(key), layout.steps, s.threads)),
      times(d.ratio1T), times(d.ratio2T), times(d.speedup2T), times(d.torchSpeedup2T)];
  });
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map((_, i) => (i < 2 ? '---' : '---:'))), ...rows.map(line)].join('\n');
}

/** Each row against the targets: 1T throughput at least 0.5x PyTorch's, 2-thread speedup at least 1.7x. */
export function formatTargets(table: Table, layout: Layout): string {
  const verdict = (value: number | undefined, target: number) => (value === undefined ? 'not measured' : value >= target ? 'met' : '**not met**');
  return layout.cells.map(({ model, batch }) => {
    const d = derived(table, cellKey(model, batch));
    return `- ${model}, batch ${batch}: convkit/PyTorch 1T ${times(d.ratio1T)} (target >= ${TARGET_RATIO_1T}x: ${verdict(d.ratio1T, TARGET_RATIO_1T)}); ` +
      `convkit 2T speedup ${times(d.speedup2T)} (target >= ${TARGET_SPEEDUP_2T}x: ${verdict(d.speedup2T, TARGET_SPEEDUP_2T)})`;
  }).join('\n');
}

/** The JSON's cells: every contender's every cell, with the rounds' medians and the loss check. */
export function tableJson(table: Table): Record<string, Record<string, Cell>> {
  return Object.fromEntries([...table].map(([id, cells]) => [id, Object.fromEntries(cells)]));
}
