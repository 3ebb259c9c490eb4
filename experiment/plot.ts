/** The experiment's plot: test accuracy against parameters and against MACs, one point per twin, drawn by Vega-Lite. */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { Results } from './run.js';

export async function plotAccuracy(results: Results): Promise<string> {
  const values = results.twins.map((t) => ({
    twin: t.kind, parameters: t.parameters, macs: t.macsPerImage / 1e6,
    accuracy: 100 * t.epochs[t.epochs.length - 1].testAccuracy,
  }));
  const panel = (field: 'parameters' | 'macs', title: string) => ({
    width: 260, height: 220,
    layer: [
      { mark: { type: 'point', filled: true, size: 90 } },
      { mark: { type: 'text', dy: -11, fontSize: 11 }, encoding: { text: { field: 'twin' } } },
    ],
    encoding: {
      x: { field, type: 'quantitative', title, scale: { zero: true } },
      y: { field: 'accuracy', type: 'quantitative', title: 'test accuracy (%)', scale: { zero: false, padding: 12 } },
      color: { field: 'twin', type: 'nominal', legend: null },
    },
  });
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `${results.data.name}: ${results.settings.epochs} epochs, widths ${results.settings.widths.join('/')}`,
    data: { values },
    hconcat: [panel('parameters', 'parameters'), panel('macs', 'MACs per image (millions)')],
    config: { font: 'sans-serif', background: 'white' },
  } as TopLevelSpec;
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  return view.toSVG();
}
