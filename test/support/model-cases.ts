/**
 * Replays the random torchvision architectures of `tools/torch/models_cases.py --seed` (the live suite,
 * `npm run test:torch`): each is built in convkit from the same arguments, must have torchvision's
 * state-dict keys and printed form, load torch's safetensors, and give its eval-mode output (and
 * MobileNetV2's feature map) within 1e-4 relative to max(1, |torch|).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Generator, loadSafetensors, noGrad, type Module, type Tensor } from '../../src/index.js';
import { aspp, mobilenetV2, resnextBottleneck, MobileNetV2 } from '../../src/models/index.js';
import type { CaseResult } from './cases.js';

/** torch's printed form, less `inplace=True`, which convkit's activations do not take. */
export const torchRepr = (text: string): string => text.replace(/\(inplace=True\)/g, '()');

/** The largest `|actual - expected| / max(1, |expected|)`. */
export function maxError(actual: Tensor, expected: Tensor): number {
  let worst = 0;
  for (let i = 0; i < expected.data.length; i++) {
    worst = Math.max(worst, Math.abs(actual.data[i] - expected.data[i]) / Math.max(1, Math.abs(expected.data[i])));
  }
  return worst;
}

type ModelCase =
  | { id: number; file: string; kind: 'mobilenet_v2'; args: { widthMult: number; numClasses: number; roundNearest: number } }
  | { id: number; file: string; kind: 'resnext_bottleneck'; args: { inplanes: number; planes: number; stride: number; groups: number; baseWidth: number } }
  | { id: number; file: string; kind: 'aspp'; args: { inChannels: number; atrousRates: number[]; outChannels: number } };

export interface ModelCaseFile {
  torch: string;
  dir: string;
  cases: ModelCase[];
}

export function loadModelCases(path: string): ModelCaseFile {
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as { torch: string; cases: ModelCase[] };
  return { ...parsed, dir: dirname(path) };
}

function build(c: ModelCase, generator: Generator): Module {
  switch (c.kind) {
    case 'mobilenet_v2': return mobilenetV2({ ...c.args, generator });
    case 'resnext_bottleneck': {
      const { inplanes, planes, ...options } = c.args;
      return resnextBottleneck(inplanes, planes, { ...options, generator });
    }
    case 'aspp': return aspp(c.args.inChannels, c.args.atrousRates, { outChannels: c.args.outChannels, generator });
  }
}

/** What is wrong with convkit's model for case `c` (keys, printed form, outputs); empty when nothing is. */
function problems(file: ModelCaseFile, c: ModelCase): string[] {
  const weightsBytes = readFileSync(join(file.dir, `${c.file}.safetensors`));
  const { metadata } = loadSafetensors(weightsBytes);
  const { tensors: io } = loadSafetensors(readFileSync(join(file.dir, `${c.file}-io.safetensors`)));
  const model = build(c, new Generator(c.id));
  const found: string[] = [];
  if (JSON.stringify(Object.keys(model.stateDict())) !== JSON.stringify(JSON.parse(metadata.keys))) found.push('state-dict keys differ from torchvision\'s');
  if (String(model) !== torchRepr(metadata.repr)) found.push('printed form differs from torch\'s');
  if (found.length > 0) return found;
  model.loadStateDict(weightsBytes);
  model.eval();
  const checks: Array<[string, () => Tensor, Tensor | undefined]> = [
    ['output', () => model.forward(io.input), io.output],
    ['features', () => (model as MobileNetV2).features.forward(io.input), model instanceof MobileNetV2 ? io.features : undefined],
  ];
  for (const [what, run, expected] of checks) {
    if (expected === undefined) continue;
    const actual = noGrad(run);
    if (actual.shape.join() !== expected.shape.join()) found.push(`${what} shape ${actual.shape} != torch's ${expected.shape}`);
    else {
      const error = maxError(actual, expected);
      if (!(error <= 1e-4)) found.push(`${what}: max error ${error} relative to max(1, |torch|)`);
    }
  }
  return found;
}

export function runModelCases(file: ModelCaseFile): CaseResult[] {
  return file.cases.map((c) => {
    const found = problems(file, c);
    return { id: `model ${c.id}`, group: 'models', kind: c.kind, pass: found.length === 0, message: found.length === 0 ? '' : `${c.kind} ${JSON.stringify(c.args)}: ${found.join('; ')}` };
  });
}
