/**
 * Panel 2: which input channels feed which output channels, for standard, grouped, depthwise and
 * pointwise convolutions. The connections are measured, not drawn from a rule: convkit convolves one
 * image per input channel (ones in that channel only) with a kernel of ones, and an output channel is
 * fed by that input where its result is non-zero.
 */
import * as Plot from '@observablehq/plot';
import { Conv2d, conv2d, ones, parameterCount, tensor } from 'convkit';
import { count, el, errorLine, intOf, labelled, live, numberInput, selectInput, shapeText } from './ui';

export const KINDS = ['standard', 'grouped', 'depthwise', 'pointwise'] as const;
export type Kind = (typeof KINDS)[number];

/** The layer each kind stands for, with the panel's settings. */
export function channelLayer(kind: Kind, cIn: number, cOut: number, k: number, groups: number): Conv2d {
  switch (kind) {
    case 'standard': return new Conv2d(cIn, cOut, k);
    case 'grouped': return new Conv2d(cIn, cOut, k, { groups });
    case 'depthwise': return new Conv2d(cIn, cOut, k, { groups: cIn });
    case 'pointwise': return new Conv2d(cIn, cOut, 1);
  }
}

/** `links[i]` lists the output channels that input channel `i` feeds, found by convolving with convkit. */
export function connections(layer: Conv2d): number[][] {
  const [kH, kW] = layer.kernelSize;
  const { inChannels: cIn, outChannels: cOut } = layer;
  const probe = new Float32Array(cIn * cIn * kH * kW);
  for (let i = 0; i < cIn; i++) probe.fill(1, (i * cIn + i) * kH * kW, (i * cIn + i + 1) * kH * kW);
  const out = conv2d(tensor(probe, [cIn, cIn, kH, kW]), ones(layer.weight.shape), null, { groups: layer.groups });
  return Array.from({ length: cIn }, (_, i) => Array.from({ length: cOut }, (_, o) => o).filter((o) => out.data[i * cOut + o] !== 0));
}

export function mountChannels(section: HTMLElement): void {
  const kind = selectInput('ch-kind', 'convolution', KINDS.map((k) => [k, k]), 'grouped');
  const cIn = numberInput('ch-cin', 'input channels', 8, 1, 32);
  const cOut = numberInput('ch-cout', 'output channels', 8, 1, 32);
  const k = numberInput('ch-k', 'kernel size', 3, 1, 7);
  const groups = numberInput('ch-groups', 'groups (grouped)', 2, 1, 32);
  section.append(el('div', { class: 'controls' },
    labelled('convolution', kind), labelled('in channels', cIn), labelled('out channels', cOut), labelled('kernel k', k), labelled('groups G', groups)));
  const error = errorLine('ch-error');
  const facts = el('dl', { id: 'ch-facts' });
  const chart = el('figure', { id: 'ch-chart' });
  section.append(error.node, el('div', { class: 'row' }, chart, facts));

  live(section, () => {
    chart.replaceChildren();
    facts.replaceChildren();
    groups.disabled = kind.value !== 'grouped';
    k.disabled = kind.value === 'pointwise';
    try {
      const layer = channelLayer(kind.value as Kind, intOf(cIn), intOf(cOut), intOf(k), intOf(groups));
      const links = connections(layer);
      error.clear();
      const rows = links.flatMap((outs, i) => outs.map((o) => ({ input: i, output: o, group: Math.floor(o / (layer.outChannels / layer.groups)) })));
      const n = Math.max(layer.inChannels, layer.outChannels);
      const plot = Plot.plot({
        width: 420, height: Math.max(160, 22 * n + 40), marginLeft: 70, marginRight: 80,
        x: { domain: [0, 1], axis: null }, y: { domain: [-0.5, n - 0.5], axis: null, reverse: true },
        color: { type: 'categorical', scheme: 'tableau10' },
        marks: [
          Plot.link(rows, { x1: 0, y1: 'input', x2: 1, y2: 'output', stroke: 'group', strokeOpacity: 0.7 }),
          Plot.dot(links.map((_, i) => i), { x: 0, y: (i: number) => i, r: 5, fill: '#333' }),
          Plot.dot(Array.from({ length: layer.outChannels }, (_, o) => o), { x: 1, y: (o: number) => o, r: 5, fill: '#333' }),
          Plot.text(links.map((_, i) => i), { x: 0, y: (i: number) => i, text: (i: number) => `in ${i}`, dx: -10, textAnchor: 'end' }),
          Plot.text(Array.from({ length: layer.outChannels }, (_, o) => o), { x: 1, y: (o: number) => o, text: (o: number) => `out ${o}`, dx: 10, textAnchor: 'start' }),
        ],
      });
      plot.setAttribute('aria-label', `${rows.length} connections from ${layer.inChannels} input channels to ${layer.outChannels} output channels in ${layer.groups} groups`);
      chart.append(plot, el('figcaption', { text: 'lines: an input channel feeds an output channel (colour: its group)' }));
      const perOutput = links.reduce((a, outs) => a + outs.length, 0) / layer.outChannels;
      const entries: Array<[string, string, string]> = [
        ['ch-layer', 'layer', `new Conv2d(${layer.inChannels}, ${layer.outChannels}, ${layer.kernelSize[0]}${layer.groups > 1 ? `, { groups: ${layer.groups} }` : ''})`],
        ['ch-groups-out', 'groups', String(layer.groups)],
        ['ch-links', 'connections', count(rows.length)],
        ['ch-fan-in', 'input channels per output', String(perOutput)],
        ['ch-weight', 'weight shape', shapeText(layer.weight.shape)],
        ['ch-params', 'parameters', count(parameterCount(layer))],
        ['ch-params-formula', 'C_out·(C_in/G)·k·k + C_out', `${layer.outChannels}·${layer.inChannels / layer.groups}·${layer.kernelSize[0]}·${layer.kernelSize[1]} + ${layer.outChannels}`],
      ];
      for (const [id, term, value] of entries) facts.append(el('dt', { text: term }), el('dd', { id, text: value }));
    } catch (e) {
      error.show(e);
    }
  });
}
