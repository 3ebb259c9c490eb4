/**
 * The tutorial's four examples, run in convkit: each layer's output shape, parameters and MACs
 * beside those of the standard convolution it stands in for. `npm start` prints `formatTutorial()`.
 */
import { noGrad } from '../autograd/grad-mode.js';
import { effectiveKernelSize, layerCost, type LayerCost } from '../analysis/cost.js';
import { nextField, spatialLayers, IDENTITY_FIELD } from '../analysis/receptive-field.js';
import { Conv2d } from '../nn/conv2d.js';
import { DepthwiseSeparableConv2d } from '../nn/depthwise-separable.js';
import type { Module } from '../nn/module.js';
import { Generator } from '../random.js';
import { randn } from '../tensor.js';

export interface LayerFigures extends LayerCost {
  /** The layer as convkit code. */
  code: string;
  /** The receptive field of one output position, `[h, w]`. */
  receptiveField: [number, number];
}

export interface TutorialExample {
  title: string;
  inputShape: number[];
  /** The tutorial's layer, with the output shape its forward pass really produced. */
  layer: LayerFigures;
  /** The standard convolution the layer replaces, for comparison. */
  standard: LayerFigures;
  notes: string[];
}

function figures(code: string, module: Module, inputShape: number[], generator: Generator): LayerFigures {
  // only the shape is wanted: no graph (the layers' parameters require grad), and Sequential's chain kept
  const output = noGrad(() => module.forward(randn(inputShape, generator)));
  const field = spatialLayers(module).reduce(nextField, IDENTITY_FIELD);
  // the shape the forward pass really produced, not the one the cost analysis predicts
  return { ...layerCost(module, inputShape), code, outputShape: [...output.shape], receptiveField: field.size };
}

/** Builds and runs the four examples (weights and inputs from a generator seeded with `seed`). */
export function tutorialExamples(seed = 0): TutorialExample[] {
  const g = new Generator(seed);
  const x = [1, 64, 32, 32];
  const standard3x3 = (cOut: number) => figures(`new Conv2d(64, ${cOut}, 3, { padding: 1 })`, new Conv2d(64, cOut, 3, { padding: 1, generator: g }), x, g);
  const keff = effectiveKernelSize(3, 2);
  return [
    {
      title: 'Pointwise (1x1) convolution: mixes channels at each pixel, 64 -> 128',
      inputShape: x,
      layer: figures('new Conv2d(64, 128, 1)', new Conv2d(64, 128, 1, { generator: g }), x, g),
      standard: standard3x3(128),
      notes: ['a 1x1 kernel has 1/9 of the weights and MACs of a 3x3 one with the same channels'],
    },
    {
      title: 'Dilated convolution: 3x3 taps spread 2 apart',
      inputShape: [1, 1, 7, 7],
      layer: figures('new Conv2d(1, 1, 3, { dilation: 2 })', new Conv2d(1, 1, 3, { dilation: 2, generator: g }), [1, 1, 7, 7], g),
      standard: figures(`new Conv2d(1, 1, ${keff})`, new Conv2d(1, 1, keff, { generator: g }), [1, 1, 7, 7], g),
      notes: [
        `effective kernel size k + (k-1)(d-1) = 3 + 2*1 = ${keff}: the receptive field of a ${keff}x${keff} kernel`,
        `output size (7 - ${keff}) / 1 + 1 = ${7 - keff + 1}, with the parameters and MACs of a 3x3 kernel`,
      ],
    },
    {
      title: 'Group convolution: 64 channels in 4 independent groups of 16',
      inputShape: x,
      layer: figures('new Conv2d(64, 64, 3, { padding: 1, groups: 4 })', new Conv2d(64, 64, 3, { padding: 1, groups: 4, generator: g }), x, g),
      standard: standard3x3(64),
      notes: ['groups=4 divides the weights and MACs by 4 (the bias, one per output channel, stays)'],
    },
    {
      title: 'Depthwise-separable convolution: depthwise 3x3 (groups=64), then pointwise 1x1',
      inputShape: x,
      layer: figures('new DepthwiseSeparableConv2d(64, 128)', new DepthwiseSeparableConv2d(64, 128, 3, { generator: g }), x, g),
      standard: standard3x3(128),
      notes: [`MAC ratio, bias aside: 1/C_out + 1/k^2 = 1/128 + 1/9 = ${(1 / 128 + 1 / 9).toFixed(4)}`],
    },
  ];
}

const shape = (s: number[]) => `(${s.join(', ')})`;
const count = (n: number) => n.toLocaleString('en-US');
const bytes = (n: number) => (n < 1000 ? `${n} B` : n < 1e6 ? `${(n / 1e3).toFixed(1)} kB` : `${(n / 1e6).toFixed(2)} MB`);

/** The examples as the text `npm start` prints. */
export function formatTutorial(examples: TutorialExample[] = tutorialExamples()): string {
  const lines = ['convkit: the convolutions of the tutorial, run with PyTorch semantics', ''];
  examples.forEach((ex, i) => {
    lines.push(`${i + 1}. ${ex.title}`, `   input ${shape(ex.inputShape)}`);
    const rows = [
      ['', 'output shape', 'parameters', 'MACs'],
      [ex.layer.code, shape(ex.layer.outputShape), count(ex.layer.parameters), count(ex.layer.macs)],
      [`${ex.standard.code} (standard)`, shape(ex.standard.outputShape), count(ex.standard.parameters), count(ex.standard.macs)],
      ['ratio to standard', '', (ex.layer.parameters / ex.standard.parameters).toFixed(4), (ex.layer.macs / ex.standard.macs).toFixed(4)],
    ];
    const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
    for (const row of rows) {
      lines.push(`   ${row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('   ')}`);
    }
    for (const [label, f] of [['cost', ex.layer], ['standard', ex.standard]] as const) {
      lines.push(
        `   ${label.padEnd(8)} ${count(f.macs)} MACs + ${count(f.biasAdditions)} bias additions = ${count(f.flops)} FLOPs; ` +
          `weights ${bytes(f.weightBytes)}, activations ${bytes(f.inputBytes)} in, ${bytes(f.outputBytes)} out; receptive field ${f.receptiveField.join('x')}`,
      );
    }
    for (const note of ex.notes) lines.push(`   - ${note}`);
    lines.push('');
  });
  return lines.join('\n');
}
