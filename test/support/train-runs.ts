/**
 * Replays the whole training runs that tools/torch/train_run.py recorded: the same model, initial
 * weights, optimiser and batches; each step's loss must be within 1e-4 (relative) of torch's, the final
 * parameters and running statistics within 1e-3, and so (the same bound) the eval-mode logits.
 */
import { readFileSync } from 'node:fs';
import { moduleFromJSON } from '../../src/nn/json.js';
import { crossEntropy } from '../../src/ops/loss.js';
import { Adam } from '../../src/optim/adam.js';
import { AdamW } from '../../src/optim/adamw.js';
import type { Optimizer } from '../../src/optim/optimizer.js';
import { SGD } from '../../src/optim/sgd.js';
import { noGrad } from '../../src/autograd/grad-mode.js';
import { Tensor } from '../../src/tensor.js';
import type { Module } from '../../src/nn/module.js';

interface Saved { shape: number[]; data: number[] }

export interface TrainRun {
  seed: number;
  model: unknown;
  optimizer: 'SGD' | 'Adam' | 'AdamW';
  options: { lr: number; momentum?: number; nesterov?: boolean; weightDecay: number; amsgrad?: boolean };
  imageSize: number;
  pixels: string;
  labels: number[];
  initial: Record<string, Saved>;
  losses: number[];
  final: Record<string, Saved>;
  evalLogits: number[];
}

export interface TrainRunFile {
  torch: string;
  steps: number;
  batch: number;
  runs: TrainRun[];
}

export function loadTrainRuns(path: string): TrainRunFile {
  return JSON.parse(readFileSync(path, 'utf8')) as TrainRunFile;
}

const tensorOf = (s: Saved) => new Tensor(Float32Array.from(s.data), s.shape);

function optimizer(run: TrainRun, model: Module): Optimizer {
  const { lr, weightDecay, momentum, nesterov, amsgrad } = run.options;
  const params = model.parameters();
  if (run.optimizer === 'SGD') return new SGD(params, { lr, weightDecay, momentum, nesterov });
  return run.optimizer === 'Adam' ? new Adam(params, { lr, weightDecay, amsgrad }) : new AdamW(params, { lr, weightDecay, amsgrad });
}

/** The largest |a - b| / max(1, |b|) over two arrays (NaN where either holds one, which fails every bound). */
function worst(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < b.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return max;
}

/** Replays one run; returns what disagrees with torch (empty: all agreed). */
export function replayTrainRun(file: TrainRunFile, run: TrainRun): string[] {
  const problems: string[] = [];
  const model = moduleFromJSON(run.model);
  model.loadStateDict(Object.fromEntries(Object.entries(run.initial).map(([k, v]) => [k, tensorOf(v)])));
  const opt = optimizer(run, model);
  const pixels = Buffer.from(run.pixels, 'base64');
  const per = file.batch * run.imageSize * run.imageSize;
  model.train();
  const batchAt = (step: number) => {
    const images = new Float32Array(per);
    for (let i = 0; i < per; i++) images[i] = pixels[step * per + i] / 255;
    return {
      images: new Tensor(images, [file.batch, 1, run.imageSize, run.imageSize]),
      labels: Int32Array.from(run.labels.slice(step * file.batch, (step + 1) * file.batch)),
    };
  };
  for (let step = 0; step < file.steps; step++) {
    const { images, labels } = batchAt(step);
    opt.zeroGrad();
    const loss = crossEntropy(model.forward(images), labels);
    loss.backward();
    opt.step();
    const expected = run.losses[step];
    if (!(Math.abs(loss.data[0] - expected) <= 1e-4 * Math.abs(expected))) problems.push(`step ${step}: loss ${loss.data[0]}, torch ${expected}`);
  }
  const state = model.stateDict();
  for (const [key, saved] of Object.entries(run.final)) {
    const error = worst(state[key].data, saved.data);
    if (!(error <= 1e-3)) problems.push(`final ${key}: off by ${error.toExponential(2)} (relative to max(1, |torch|))`);
  }
  model.eval();
  const logits = noGrad(() => model.forward(batchAt(0).images));
  const error = worst(logits.data, run.evalLogits);
  if (!(error <= 1e-3)) problems.push(`eval logits off by ${error.toExponential(2)}`);
  return problems;
}
