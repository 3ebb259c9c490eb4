/**
 * Panel 4: parameters and MACs of the standard, grouped, depthwise and depthwise-separable variants of
 * one layer (convkit's `compare`, with its closed forms), a pointwise 1x1 layer, and with dilation the
 * dilated layer beside the standard kernel of the same span (`layerCost`); the tutorial's four examples
 * are presets.
 */
import * as Plot from '@observablehq/plot';
import { compare, Conv2d, effectiveKernelSize, layerCost } from 'convkit';
import { count, el, errorLine, intOf, labelled, live, numberInput, shapeText } from './ui';

export interface CostRow {
  name: string;
  code: string;
  outputShape: number[];
  parameters: number;
  macs: number;
  closedForm?: number;
  closedFormText?: string;
}

export interface CostSettings {
  cIn: number;
  cOut: number;
  k: number;
  h: number;
  w: number;
  stride: number;
  padding: number;
  dilation: number;
}

/** The tutorial's four examples (shared/seed/README.md), as settings, and the rows that hold its layer and the standard it replaces. */
export const TUTORIAL_PRESETS: Array<{ name: string; settings: CostSettings; layer: string; standard: string }> = [
  { name: 'Pointwise 64→128', settings: { cIn: 64, cOut: 128, k: 3, h: 32, w: 32, stride: 1, padding: 1, dilation: 1 }, layer: 'pointwise 1x1', standard: 'standard' },
  { name: 'Dilated 3×3, d=2', settings: { cIn: 1, cOut: 1, k: 3, h: 7, w: 7, stride: 1, padding: 0, dilation: 2 }, layer: 'dilated d=2', standard: 'standard 5x5 (same span)' },
  { name: 'Grouped G=4', settings: { cIn: 64, cOut: 64, k: 3, h: 32, w: 32, stride: 1, padding: 1, dilation: 1 }, layer: 'grouped G=4', standard: 'standard' },
  { name: 'Depthwise-separable 64→128', settings: { cIn: 64, cOut: 128, k: 3, h: 32, w: 32, stride: 1, padding: 1, dilation: 1 }, layer: 'depthwise-separable', standard: 'standard' },
];

/** Every row the panel shows for `s`, counted by convkit. */
export function costRows(s: CostSettings): { rows: CostRow[]; notes: string[] } {
  const inputShape = [1, s.cIn, s.h, s.w];
  const { variants, notes } = compare({ inChannels: s.cIn, outChannels: s.cOut, kernelSize: s.k, inputShape, stride: s.stride, padding: s.padding });
  const rows: CostRow[] = variants.map((v) => ({ ...v }));
  const measured = (name: string, code: string, layer: Conv2d): CostRow => ({ name, code, ...layerCost(layer, inputShape) });
  if (s.k > 1) rows.push(measured('pointwise 1x1', `new Conv2d(${s.cIn}, ${s.cOut}, 1${s.stride > 1 ? `, { stride: ${s.stride} }` : ''})`, new Conv2d(s.cIn, s.cOut, 1, { stride: s.stride })));
  if (s.dilation > 1) {
    const span = effectiveKernelSize(s.k, s.dilation);
    rows.push(measured(`dilated d=${s.dilation}`, `new Conv2d(${s.cIn}, ${s.cOut}, ${s.k}, { dilation: ${s.dilation}, padding: ${s.padding * s.dilation} })`,
      new Conv2d(s.cIn, s.cOut, s.k, { stride: s.stride, dilation: s.dilation, padding: s.padding * s.dilation })));
    const spanPadding = s.padding === 0 ? 0 : Math.floor(span / 2);
    rows.push(measured(`standard ${span}x${span} (same span)`, `new Conv2d(${s.cIn}, ${s.cOut}, ${span}, { padding: ${spanPadding} })`,
      new Conv2d(s.cIn, s.cOut, span, { stride: s.stride, padding: spanPadding })));
  }
  return { rows, notes };
}

export function mountCost(section: HTMLElement): void {
  const inputs = {
    cIn: numberInput('cost-cin', 'input channels', 64, 1, 512),
    cOut: numberInput('cost-cout', 'output channels', 128, 1, 512),
    k: numberInput('cost-k', 'kernel size', 3, 1, 11),
    h: numberInput('cost-h', 'input height', 32, 1, 512),
    w: numberInput('cost-w', 'input width', 32, 1, 512),
    stride: numberInput('cost-stride', 'stride', 1, 1, 4),
    padding: numberInput('cost-padding', 'padding', 1, 0, 10),
    dilation: numberInput('cost-dilation', 'dilation', 1, 1, 8),
  };
  let tutorial: (typeof TUTORIAL_PRESETS)[number] | null = TUTORIAL_PRESETS[3];
  const presets = el('div', { role: 'group', 'aria-label': "the tutorial's examples" }, "Tutorial's examples: ",
    ...TUTORIAL_PRESETS.map((p, i) => {
      const b = el('button', { id: `cost-preset-${i}`, type: 'button', text: p.name });
      b.addEventListener('click', () => {
        for (const [key, input] of Object.entries(inputs)) input.value = String(p.settings[key as keyof CostSettings]);
        tutorial = p;
        update();
      });
      return b;
    }));
  section.append(presets, el('div', { class: 'controls' },
    labelled('C_in', inputs.cIn), labelled('C_out', inputs.cOut), labelled('kernel k', inputs.k), labelled('H', inputs.h), labelled('W', inputs.w),
    labelled('stride', inputs.stride), labelled('padding', inputs.padding), labelled('dilation', inputs.dilation)));
  const error = errorLine('cost-error');
  const table = el('table', { id: 'cost-table' });
  const chart = el('figure', { id: 'cost-chart' });
  const notes = el('ul', { id: 'cost-notes' });
  section.append(error.node, table, notes, chart);
  for (const input of Object.values(inputs)) input.addEventListener('input', () => (tutorial = null));

  const update = live(section, () => {
    table.replaceChildren();
    chart.replaceChildren();
    notes.replaceChildren();
    try {
      const settings = Object.fromEntries(Object.entries(inputs).map(([key, input]) => [key, intOf(input)])) as unknown as CostSettings;
      const { rows, notes: said } = costRows(settings);
      error.clear();
      const standard = rows[0];
      table.append(el('caption', { text: `input ${shapeText([1, settings.cIn, settings.h, settings.w])}${tutorial ? `; highlighted: the tutorial's ${tutorial.name} and the standard it replaces` : ''}` }),
        el('tr', {}, ...['variant', 'layer', 'output shape', 'parameters', 'MACs', 'params / standard', 'MACs / standard', 'closed form of MACs / standard'].map((t) => el('th', { scope: 'col', text: t }))));
      for (const r of rows) {
        const closed = r.closedForm === undefined ? '' : `${r.closedFormText} = ${r.closedForm.toFixed(4)}`;
        const marked = tutorial !== null && (r.name === tutorial.layer || r.name === tutorial.standard);
        table.append(el('tr', { class: marked ? 'tutorial' : undefined, 'data-variant': r.name },
          el('th', { scope: 'row', text: r.name }), el('td', { class: 'code', text: r.code }), el('td', { text: shapeText(r.outputShape) }),
          el('td', { class: 'params', text: count(r.parameters) }), el('td', { class: 'macs', text: count(r.macs) }),
          el('td', { text: (r.parameters / standard.parameters).toFixed(4) }), el('td', { text: (r.macs / standard.macs).toFixed(4) }), el('td', { text: closed })));
      }
      for (const n of said) notes.append(el('li', { text: n }));
      const data = rows.flatMap((r) => [{ variant: r.name, measure: 'parameters', value: r.parameters }, { variant: r.name, measure: 'MACs', value: r.macs }]);
      const plot = Plot.plot({
        width: 900, height: 60 + 36 * rows.length, marginLeft: 190, marginRight: 90,
        x: { type: 'log', label: 'count (log scale)', grid: true }, y: { label: null, domain: rows.map((r) => r.name) }, fy: { label: null },
        marks: [
          Plot.barX(data, { x: 'value', y: 'variant', fy: 'measure', fill: 'measure' }),
          Plot.text(data, { x: 'value', y: 'variant', fy: 'measure', text: (d: { value: number }) => count(d.value), dx: 4, textAnchor: 'start' }),
        ],
      });
      plot.setAttribute('aria-label', 'parameters and MACs of each variant, log scale');
      chart.append(plot);
    } catch (e) {
      error.show(e);
    }
  });
}
