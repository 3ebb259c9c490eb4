/** The experiment's table, as text for the terminal and as Markdown in README.md between its markers. */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Results } from './run.js';

const START = '<!-- experiment:start (npm run experiment writes this table) -->';
const END = '<!-- experiment:end -->';

function rows(results: Results): string[][] {
  const standard = results.twins.find((t) => t.kind === 'standard');
  return results.twins.map((t) => {
    const last = t.epochs[t.epochs.length - 1];
    const best = Math.max(...t.epochs.map((e) => e.testAccuracy));
    const seconds = t.epochs.reduce((s, e) => s + e.seconds, 0) / t.epochs.length;
    const ratio = (value: number, of: number | undefined) => (of === undefined ? '' : ` (${(value / of).toFixed(2)}x)`);
    return [
      t.kind,
      t.parameters.toLocaleString('en-US') + ratio(t.parameters, standard?.parameters),
      (t.macsPerImage / 1e6).toFixed(2) + 'M' + ratio(t.macsPerImage, standard?.macsPerImage),
      seconds.toFixed(0),
      t.torchSecondsPerEpoch === null ? 'n/a' : t.torchSecondsPerEpoch.toFixed(0),
      (100 * last.trainAccuracy).toFixed(2) + '%',
      (100 * last.testAccuracy).toFixed(2) + '%',
      (100 * best).toFixed(2) + '%',
    ];
  });
}

const HEADER = ['twin', 'parameters', 'MACs/image', 'CPU s/epoch', 'PyTorch CPU s/epoch', 'train acc', 'test acc (last)', 'test acc (best)'];

export function formatTable(results: Results): string {
  const body = rows(results);
  const widths = HEADER.map((h, c) => Math.max(h.length, ...body.map((r) => r[c].length)));
  const line = (cells: string[]) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  return [line(HEADER), ...body.map(line)].join('\n');
}

/** The CPUs the epochs ran on (a run resumed in a later session may have moved host). */
function hosts(results: Results): string {
  return [...new Set(results.twins.flatMap((t) => t.epochs.map((e) => e.cpu ?? results.host.cpu)))].join(' and ');
}

/** Replaces the table between README's experiment markers (which must be there). */
export function writeReadmeTable(results: Results): void {
  const path = new URL('../README.md', import.meta.url);
  const readme = readFileSync(path, 'utf8');
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md has no experiment markers (${START} ... ${END})`);
  const s = results.settings;
  const table = [
    `| ${HEADER.join(' | ')} |`, `|${HEADER.map((_, c) => (c === 0 ? ' --- ' : ' ---: ')).join('|')}|`,
    ...rows(results).map((r) => `| ${r.join(' | ')} |`),
    '',
    `${results.data.name}, ${results.data.train.toLocaleString('en-US')} training and ${results.data.test.toLocaleString('en-US')} test images; `
      + `${s.epochs} epochs, batch ${s.batchSize}, Adam with OneCycleLR to ${s.lr}, widths ${s.widths.join('/')}, seed ${s.seed}, `
      + `${s.threads} thread(s) on ${hosts(results)} (Node ${results.host.node}). CPU s/epoch is the CPU time of an epoch's training (the test pass aside): `
      + 'one thread\'s work, which other processes on a shared machine do not inflate as they do wall time; PyTorch\'s is the same model, batch '
      + 'and optimiser on one thread in the same run (experiment/torch_epoch.py: the median CPU time of 20 steps, times the batches of an epoch). Ratios are to the standard twin.',
  ].join('\n');
  writeFileSync(path, readme.slice(0, start + START.length) + '\n' + table + '\n' + readme.slice(end));
}
