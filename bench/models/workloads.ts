/**
 * The whole-network workloads of `npm run bench:models`: convkit's torchvision architectures
 * (`convkit/models`) on fixed input shapes, with seeded weights whose BatchNorm layers are made real.
 *
 * torchvision's initialisation leaves BatchNorm at mean 0, variance 1, scale 1, shift 0; in eval mode
 * that is an identity, and MobileNetV2's kaiming-initialised depthwise layers then shrink the signal to
 * logits of 1e-9, which any wrong kernel would match within the check's 1e-4. So the parent calibrates
 * once, as a trained network's statistics come about: BatchNorm scales and shifts drawn at random, then
 * one training-mode pass over a seeded batch whose per-channel statistics become the running ones
 * (logits of order 0.1-1 then). The weights go to a folder as safetensors and every child loads the same
 * bytes, so every contender runs the same network whatever backend calibrated it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BatchNorm2d, Generator, layerCost, noGrad, saveSafetensors, Tensor, type Module } from '../../src/index.js';
import { aspp, mobilenetV2, type ASPP, type MobileNetV2 } from '../../src/models/index.js';
import type { Shape4 } from '../workloads.js';

export type Architecture = 'mobilenetV2' | 'aspp';

export interface ModelWorkload {
  readonly id: string;
  readonly title: string;
  readonly architecture: Architecture;
  /** NCHW. */
  readonly input: Shape4;
}

export const MODEL_WORKLOADS: readonly ModelWorkload[] = [
  { id: 'M1', title: 'MobileNetV2 (1,3,224,224)', architecture: 'mobilenetV2', input: [1, 3, 224, 224] },
  { id: 'M2', title: 'MobileNetV2 (8,3,224,224)', architecture: 'mobilenetV2', input: [8, 3, 224, 224] },
  { id: 'M3', title: 'ASPP(2048, [12,24,36]) (1,2048,33,33)', architecture: 'aspp', input: [1, 2048, 33, 33] },
];

export function modelWorkloadById(id: string): ModelWorkload {
  const found = MODEL_WORKLOADS.find((w) => w.id.toLowerCase() === id.toLowerCase());
  if (found === undefined) throw new Error(`unknown workload ${JSON.stringify(id)}; known: ${MODEL_WORKLOADS.map((w) => w.id).join(', ')}`);
  return found;
}

const WEIGHT_SEEDS: Record<Architecture, number> = { mobilenetV2: 1, aspp: 2 };
/** The calibration batch: two images were too few for ASPP's pooling branch (two values a channel, a variance near 0 in places). */
const CALIBRATION_BATCH = 4;

function build(architecture: Architecture, generator: Generator): MobileNetV2 | ASPP {
  return architecture === 'mobilenetV2' ? mobilenetV2({ generator }) : aspp(2048, [12, 24, 36], { generator });
}

/** Uniform in [-1, 1) from `generator`. */
function uniformData(length: number, generator: Generator): Float32Array {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = generator.uniform() * 2 - 1;
  return out;
}

function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** The workload's input, the same bits in every process. */
export function modelInput(workload: ModelWorkload): Float32Array {
  const seed = [...workload.id].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 17);
  return uniformData(numel(workload.input), new Generator(seed));
}

function weightsFile(dir: string, architecture: Architecture): string {
  return join(dir, `${architecture}.safetensors`);
}

/**
 * Builds each architecture from its seed, calibrates its BatchNorm layers (see the file's comment) on
 * the backend now selected, and writes its state dict to `dir`.
 */
export function writeCalibratedWeights(dir: string, architectures: ReadonlySet<Architecture>): void {
  for (const architecture of architectures) {
    const generator = new Generator(WEIGHT_SEEDS[architecture]);
    const model = build(architecture, generator);
    const norms = model.namedModules().map(([, m]) => m).filter((m): m is BatchNorm2d => m instanceof BatchNorm2d);
    for (const bn of norms) {
      bn.weight?.data.forEach((_, i, a) => { a[i] = 0.5 + generator.uniform(); });
      bn.bias?.data.forEach((_, i, a) => { a[i] = (generator.uniform() - 0.5) * 0.5; });
      // Running statistics of 0 move to momentum * batch statistics after one pass; divided by momentum below.
      bn.runningMean?.data.fill(0);
      bn.runningVar?.data.fill(0);
    }
    const shape = architecture === 'mobilenetV2' ? [CALIBRATION_BATCH, 3, 224, 224] : [CALIBRATION_BATCH, 2048, 33, 33];
    model.train();
    noGrad(() => model.forward(new Tensor(uniformData(numel(shape), generator), shape)));
    for (const bn of norms) {
      if (bn.momentum === null) throw new Error('calibration expects a BatchNorm momentum');
      const scale = 1 / bn.momentum;
      for (const stat of [bn.runningMean, bn.runningVar]) stat?.data.forEach((v, i, a) => { a[i] = v * scale; });
      bn.numBatchesTracked?.data.fill(1);
    }
    writeFileSync(weightsFile(dir, architecture), saveSafetensors(model.stateDict(), { architecture, calibration: `batch ${CALIBRATION_BATCH}` }));
  }
}

/** The architecture with the calibrated weights of `dir`, in eval mode. */
export function loadModel(dir: string, architecture: Architecture): MobileNetV2 | ASPP {
  const model = build(architecture, new Generator(0));
  model.loadStateDict(readFileSync(weightsFile(dir, architecture)));
  return model.eval();
}

/** One model of each architecture, built once, for its layers' shapes. */
const shapes = new Map<Architecture, MobileNetV2 | ASPP>();

/**
 * Multiply-accumulates of one call. convkit's `layerCost` adds a container's children in sequence, which
 * these models are not (MobileNetV2 pools between `features` and `classifier`; ASPP's branches run side
 * by side), so their parts are costed separately.
 */
export function modelMacs(workload: ModelWorkload): number {
  const model = shapes.get(workload.architecture) ?? build(workload.architecture, new Generator(0));
  shapes.set(workload.architecture, model);
  const [n, , h, w] = workload.input;
  if (workload.architecture === 'mobilenetV2') {
    const { features, classifier } = model as MobileNetV2;
    const f = layerCost(features, workload.input);
    return f.macs + layerCost(classifier, [n, f.outputShape[1]]).macs;
  }
  const { convs, project } = model as ASPP;
  const branches = convs.modules.map((branch: Module) => layerCost(branch, workload.input));
  const channels = branches.reduce((sum, b) => sum + b.outputShape[1], 0);
  return branches.reduce((sum, b) => sum + b.macs, 0) + layerCost(project, [n, channels, h, w]).macs;
}
