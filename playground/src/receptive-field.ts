/**
 * Panel 3: a stack of dilated convolutions (rates added, removed, edited): convkit's exact coverage map
 * (paths from one output to each input position) as a heatmap with its holes marked, beside the HDC
 * rule's verdict as convkit's `hdc` reports it.
 */
import * as Plot from '@observablehq/plot';
import { coverageMap, dilatedStack, hdc, receptiveFields } from 'convkit';
import { el, errorLine, intOf, labelled, live, numberInput } from './ui';

/** Rate stacks for a 3x3 kernel. */
const PRESETS: Array<[string, number[]]> = [['1, 2, 5 (HDC)', [1, 2, 5]], ['2, 2, 2 (gridding)', [2, 2, 2]], ['1, 2, 3', [1, 2, 3]], ['2, 4, 8', [2, 4, 8]]];
const MAX_LAYERS = 8;

export function mountReceptiveField(section: HTMLElement): void {
  const k = numberInput('rf-k', 'kernel size', 3, 2, 7);
  const list = el('ol', { id: 'rf-layers', 'aria-label': 'dilation rate of each layer' });
  const add = el('button', { id: 'rf-add', type: 'button', text: 'Add layer' });
  const presets = el('div', { role: 'group', 'aria-label': 'presets' }, 'Presets: ',
    ...PRESETS.map(([name, rates], i) => {
      const b = el('button', { id: `rf-preset-${i}`, type: 'button', text: name });
      b.addEventListener('click', () => {
        k.value = '3';
        setRates(rates);
      });
      return b;
    }));
  section.append(el('div', { class: 'controls' }, labelled('kernel k', k), presets), list, add);
  const error = errorLine('rf-error');
  const verdict = el('div', { id: 'rf-verdict', 'aria-live': 'polite' });
  const chart = el('figure', { id: 'rf-chart' });
  section.append(error.node, el('div', { class: 'row' }, chart, verdict));

  const rateInputs = () => Array.from(list.querySelectorAll('input')) as HTMLInputElement[];
  function addRow(rate: number): void {
    const i = list.children.length;
    const input = numberInput(`rf-rate-${i}`, `dilation rate of layer ${i + 1}`, rate, 1, 16);
    const remove = el('button', { type: 'button', class: 'rf-remove', 'aria-label': `remove layer ${i + 1}`, text: 'Remove' });
    remove.addEventListener('click', () => setRates(rateInputs().map(intOf).filter((_, j) => j !== i)));
    list.append(el('li', {}, labelled(`layer ${i + 1} rate`, input), remove));
  }
  function setRates(rates: number[]): void {
    list.replaceChildren();
    rates.forEach(addRow);
    add.disabled = rates.length >= MAX_LAYERS;
    update();
  }
  add.addEventListener('click', () => setRates([...rateInputs().map(intOf), 1]));

  [1, 2, 5].forEach(addRow);
  const update = live(section, () => {
    chart.replaceChildren();
    verdict.replaceChildren();
    const rates = rateInputs().map(intOf);
    try {
      const kernel = intOf(k);
      const layers = dilatedStack(kernel, rates);
      const map = coverageMap(layers);
      const rule = hdc(kernel, rates);
      const fields = receptiveFields(layers);
      error.clear();
      const [h, w] = map.size;
      const cells = map.counts.flatMap((row, y) => row.map((c, x) => ({ x, y, c })));
      const holes = cells.filter((d) => d.c === 0);
      const large = h * w > 61 * 61;
      const size = Math.min(520, Math.max(300, 18 * w));
      const plot = Plot.plot({
        width: size + 90, height: size, marginLeft: 30, marginBottom: 30, marginRight: 60,
        x: { label: 'input column offset', axis: large ? 'bottom' : null },
        y: { label: 'row', axis: large ? 'left' : null, reverse: false },
        color: { type: 'sqrt', scheme: 'ylorrd', legend: true, label: 'paths' },
        marks: large
          ? [Plot.raster(cells, { x: 'x', y: 'y', fill: (d: { c: number }) => (d.c === 0 ? null : d.c), interpolate: 'none' })]
          : [
              Plot.cell(cells.filter((d) => d.c > 0), { x: 'x', y: 'y', fill: 'c', inset: 0.5 }),
              Plot.text(holes, { x: 'x', y: 'y', text: () => '×', fill: '#666', fontSize: Math.max(7, Math.min(14, 300 / w)) }),
            ],
      });
      plot.setAttribute('aria-label', `coverage map ${h} by ${w}: ${map.holes} holes`);
      chart.append(plot, el('figcaption', { text: `paths from one output to each input position of its ${h}×${w} field; × marks a hole (no path)` }));
      const last = fields[fields.length - 1];
      const mText = rule.M.map((m, i) => `M${i + 1}=${m}`).join(', ');
      verdict.append(
        el('p', { id: 'rf-size', text: `receptive field ${last.size[0]}×${last.size[1]} (coverage map ${h}×${w})` }),
        el('p', { id: 'rf-holes', text: `exact map: ${map.holes} holes of ${h * w} positions` }),
        el('p', { id: 'rf-m', text: `Wang et al.: ${mText}; goal M2 ≤ K=${kernel}: ${rule.goalMet ? 'met' : 'not met'}` }),
        el('p', { id: 'rf-factor', text: `common factor of the rates: ${rule.commonFactor ?? 'none'}` }),
        el('p', { id: 'rf-verdict-line', class: `verdict ${rule.satisfied ? 'ok' : 'bad'}`, text: `HDC rule ${rule.satisfied ? 'satisfied' : 'not satisfied'}; the exact map has ${rule.holes === 0 ? 'no holes' : `${rule.holes} holes (gridding)`}` }),
      );
    } catch (e) {
      error.show(e);
    }
  });
}
