/**
 * `npm run experiment`: the tutorial's claim on real images. Trains the four twins of src/train/twins.ts
 * (standard, depthwise-separable, grouped, dilated: same depth and widths) on Fashion-MNIST with the same
 * settings, and writes their parameters, MACs, time and accuracy to experiment/results.json, a table into
 * README.md (between the experiment markers) and a plot to experiment/accuracy.svg.
 *
 *   npm run experiment [-- --epochs 10 --batch-size 128 --lr 0.003 --widths 16,32,64 --threads 1
 *                           --seed 0 --only standard,separable --data fashion-mnist|digits --fresh]
 *
 * Each twin trains on one thread by default, and its epochs are timed in CPU seconds. To use two cores,
 * run two at once, e.g. `--only standard,grouped` beside `--only dilated,separable` (as README's table
 * was made), then `npm run experiment` to gather all four from their checkpoints into the table.
 * Training is checkpointed after every epoch (weights, optimiser and schedule state, history) under
 * experiment/checkpoints/ (not committed), so a run that is stopped goes on where it stopped when started
 * again with the same settings, with the same numbers bit for bit; --fresh starts those settings over.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { summary } from '../src/analysis/summary.js';
import { setNumThreads } from '../src/backend/wasm/index.js';
import { pixelStatistics } from '../src/data/dataset.js';
import { DataLoader } from '../src/data/loader.js';
import { loadSafetensors, saveSafetensors } from '../src/io/safetensors.js';
import { moduleFromJSON } from '../src/nn/json.js';
import { loadDataset } from '../src/node/datasets.js';
import { Adam } from '../src/optim/adam.js';
import { OneCycleLR } from '../src/optim/lr-scheduler.js';
import type { OptimizerStateDict } from '../src/optim/optimizer.js';
import { manualSeed, Generator } from '../src/random.js';
import { Tensor } from '../src/tensor.js';
import { fit, type EpochResult } from '../src/train/trainer.js';
import { twinJSON, TWIN_KINDS, type TwinKind } from '../src/train/twins.js';
import { plotAccuracy } from './plot.js';
import { formatTable, writeReadmeTable } from './report.js';

const HERE = new URL('./', import.meta.url);
const CHECKPOINTS = new URL('checkpoints/', HERE);

export interface Settings {
  data: string;
  epochs: number;
  batchSize: number;
  lr: number;
  widths: [number, number, number];
  threads: number;
  seed: number;
}

/** An epoch's result with the process's memory after it: flat across epochs, or something leaks. */
export interface EpochRecord extends EpochResult {
  /** Resident set size and the bytes of ArrayBuffers (tensors' data, WebAssembly memory), in MB. */
  memory: { rssMB: number; arrayBuffersMB: number };
  /** The CPU this epoch ran on: a run resumed in another session may have moved to another host. */
  cpu: string;
}

export interface TwinResult {
  kind: TwinKind;
  parameters: number;
  macsPerImage: number;
  epochs: EpochRecord[];
  /** PyTorch's CPU seconds for an epoch of the same model and batch size on one thread (experiment/torch_epoch.py), or null without torch. */
  torchSecondsPerEpoch: number | null;
}

export interface Results {
  settings: Settings;
  host: { cpu: string; cores: number; node: string };
  data: { name: string; train: number; test: number };
  twins: TwinResult[];
}

function settingsFrom(argv: string[]): { settings: Settings; only: TwinKind[]; fresh: boolean } {
  const { values } = parseArgs({
    args: argv,
    options: {
      epochs: { type: 'string', default: '10' }, 'batch-size': { type: 'string', default: '128' }, lr: { type: 'string', default: '0.003' },
      widths: { type: 'string', default: '16,32,64' }, threads: { type: 'string', default: '1' },
      seed: { type: 'string', default: '0' }, only: { type: 'string' }, data: { type: 'string', default: 'fashion-mnist' }, fresh: { type: 'boolean', default: false },
    },
  });
  const widths = values.widths.split(',').map(Number);
  if (widths.length !== 3 || !widths.every((w) => Number.isInteger(w) && w > 0 && w % 4 === 0)) {
    throw new Error(`--widths must be three positive multiples of 4 (the grouped twin has 4 groups), got '${values.widths}'`);
  }
  const only = (values.only?.split(',') ?? TWIN_KINDS) as TwinKind[];
  for (const kind of only) if (!TWIN_KINDS.includes(kind)) throw new Error(`--only takes ${TWIN_KINDS.join(', ')}, got '${kind}'`);
  const settings: Settings = {
    data: values.data, epochs: Number(values.epochs), batchSize: Number(values['batch-size']), lr: Number(values.lr),
    widths: widths as [number, number, number], threads: Number(values.threads), seed: Number(values.seed),
  };
  return { settings, only, fresh: values.fresh };
}

/** A checkpoint's tensors (model and optimiser state) in one safetensors file, the rest in JSON beside it. */
interface CheckpointJSON {
  settings: Settings;
  epochs: EpochRecord[];
  optimizer: { state: Record<string, Record<string, unknown>>; param_groups: OptimizerStateDict['param_groups'] };
  schedule: Record<string, unknown>;
}

/** One checkpoint per twin and settings, so that runs of other settings never overwrite it. */
function checkpointPaths(kind: TwinKind, settings: Settings): { tensors: URL; json: URL } {
  const name = `${kind}-${createHash('sha256').update(JSON.stringify(settings)).digest('hex').slice(0, 12)}`;
  return { tensors: new URL(`${name}.safetensors`, CHECKPOINTS), json: new URL(`${name}.json`, CHECKPOINTS) };
}

function saveCheckpoint(kind: TwinKind, model: ReturnType<typeof moduleFromJSON>, optimizer: Adam, schedule: OneCycleLR, settings: Settings, epochs: EpochRecord[]): void {
  mkdirSync(CHECKPOINTS, { recursive: true });
  const tensors: Record<string, Tensor> = {};
  for (const [key, t] of Object.entries(model.stateDict())) tensors[`model.${key}`] = t;
  const sd = optimizer.stateDict();
  const state: CheckpointJSON['optimizer']['state'] = {};
  for (const [id, entry] of Object.entries(sd.state)) {
    state[id] = {};
    for (const [key, value] of Object.entries(entry)) {
      if (value instanceof Tensor) tensors[`optimizer.${id}.${key}`] = value;
      else state[id][key] = value;
    }
  }
  const paths = checkpointPaths(kind, settings);
  writeFileSync(paths.tensors, saveSafetensors(tensors));
  const json: CheckpointJSON = { settings, epochs, optimizer: { state, param_groups: sd.param_groups }, schedule: schedule.stateDict() as Record<string, unknown> };
  writeFileSync(paths.json, JSON.stringify(json));
}

/** The epochs a checkpoint of the same settings holds (restoring model, optimiser and schedule), or none. */
function loadCheckpoint(kind: TwinKind, model: ReturnType<typeof moduleFromJSON>, optimizer: Adam, schedule: OneCycleLR, settings: Settings): EpochRecord[] {
  const paths = checkpointPaths(kind, settings);
  if (!existsSync(paths.json) || !existsSync(paths.tensors)) return [];
  const json = JSON.parse(readFileSync(paths.json, 'utf8')) as CheckpointJSON;
  if (JSON.stringify(json.settings) !== JSON.stringify(settings)) return [];
  const { tensors } = loadSafetensors(readFileSync(paths.tensors));
  const modelState: Record<string, Tensor> = {};
  const optimizerState: OptimizerStateDict['state'] = {};
  for (const [id, entry] of Object.entries(json.optimizer.state)) optimizerState[Number(id)] = { ...entry };
  for (const [key, t] of Object.entries(tensors)) {
    const [part, id, ...rest] = key.split('.');
    if (part === 'model') modelState[[id, ...rest].join('.')] = t;
    else (optimizerState[Number(id)] ??= {})[rest.join('.')] = t;
  }
  model.loadStateDict(modelState);
  optimizer.loadStateDict({ state: optimizerState, param_groups: json.optimizer.param_groups });
  schedule.loadStateDict(json.schedule as Parameters<OneCycleLR['loadStateDict']>[0]);
  return json.epochs;
}

/** Trains one twin for the settings' epochs, resuming from its checkpoint; reports each epoch. */
function trainTwin(kind: TwinKind, settings: Settings, splits: ReturnType<typeof loadDataset>, fresh: boolean): TwinResult {
  manualSeed(settings.seed);
  const json = twinJSON(kind, { widths: settings.widths, classes: splits.train.classes.length });
  const model = moduleFromJSON(json);
  const normalize = pixelStatistics(splits.train);
  const generator = new Generator(settings.seed);
  const train = new DataLoader(splits.train, { batchSize: settings.batchSize, shuffle: true, generator, normalize });
  const test = new DataLoader(splits.test, { batchSize: 500, normalize });
  const optimizer = new Adam(model.parameters(), { lr: settings.lr });
  const schedule = new OneCycleLR(optimizer, { maxLr: settings.lr, totalSteps: settings.epochs * train.length });
  const s = summary(model, [1, 1, splits.train.height, splits.train.width]);
  if (fresh) for (const path of Object.values(checkpointPaths(kind, settings))) rmSync(path, { force: true });
  const epochs = loadCheckpoint(kind, model, optimizer, schedule, settings);
  // The loader draws one permutation per epoch: draw the finished epochs' again so the next one is the same.
  for (let e = 0; e < epochs.length; e++) for (const _ of train) void _;
  if (epochs.length > 0) console.log(`${kind}: resuming after epoch ${epochs.length} of ${settings.epochs}`);
  fit(model, optimizer, train, test, {
    // One thread's CPU time: what an epoch costs, without the time other processes on the machine took.
    clock: () => { const { user, system } = process.cpuUsage(); return (user + system) / 1000; },
    epochs: settings.epochs,
    firstEpoch: epochs.length + 1,
    schedule: { scheduler: schedule, perBatch: true },
    onProgress(p) {
      if (p.batch % 100 === 0) console.log(`${kind} epoch ${p.epoch}: ${p.batch}/${p.batches} batches, ${Math.round(p.imagesPerSecond)} images/s`);
    },
    onEpoch(result) {
      const { rss, arrayBuffers } = process.memoryUsage();
      const record: EpochRecord = {
        ...result, memory: { rssMB: Math.round(rss / 2 ** 20), arrayBuffersMB: Math.round(arrayBuffers / 2 ** 20) }, cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
      };
      epochs.push(record);
      saveCheckpoint(kind, model, optimizer, schedule, settings, epochs);
      console.log(`${kind} epoch ${record.epoch}/${settings.epochs}: train loss ${record.trainLoss.toFixed(4)} accuracy ${(100 * record.trainAccuracy).toFixed(2)}%,`
        + ` test accuracy ${(100 * record.testAccuracy).toFixed(2)}%, ${record.seconds.toFixed(1)} CPU s (${Math.round(record.imagesPerSecond)} images/CPU s),`
        + ` rss ${record.memory.rssMB} MB, array buffers ${record.memory.arrayBuffersMB} MB`);
    },
  });
  return { kind, parameters: s.totals.parameters, macsPerImage: s.totals.macs, epochs, torchSecondsPerEpoch: null };
}

/** PyTorch's CPU seconds an epoch for each twin (experiment/torch_epoch.py), or null where /usr/bin/python3 has no torch. */
function torchEpochSeconds(kinds: TwinKind[], settings: Settings, batches: number, classes: number): Record<string, number> | null {
  const dir = mkdtempSync(join(tmpdir(), 'convkit-experiment-'));
  try {
    const request = join(dir, 'request.json');
    const twins = Object.fromEntries(kinds.map((kind) => [kind, twinJSON(kind, { widths: settings.widths, classes })]));
    writeFileSync(request, JSON.stringify({ batchSize: settings.batchSize, batches, twins }));
    const r = spawnSync('/usr/bin/python3', [fileURLToPath(new URL('torch_epoch.py', HERE)), request], { encoding: 'utf8' });
    if (r.status !== 0) {
      console.log(`PyTorch's epoch times left out: ${r.error?.message ?? r.stderr.trim().split('\n').at(-1)}`);
      return null;
    }
    return JSON.parse(r.stdout) as Record<string, number>;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { settings, only, fresh } = settingsFrom(process.argv.slice(2));
  setNumThreads(settings.threads);
  const splits = loadDataset(settings.data === 'digits' ? 'digits' : settings.data === 'fashion-mnist' ? 'fashion-mnist' : { dir: settings.data });
  console.log(`${splits.train.name} (${splits.train.source}): ${settings.epochs} epochs, batch ${settings.batchSize}, Adam with OneCycleLR to ${settings.lr},`
    + ` widths ${settings.widths.join('/')}, seed ${settings.seed}, ${settings.threads} threads`);
  const twins = only.map((kind) => trainTwin(kind, settings, splits, fresh));
  const batches = Math.ceil(splits.train.length / settings.batchSize);
  const torch = torchEpochSeconds(twins.map((t) => t.kind), settings, batches, splits.train.classes.length);
  for (const twin of twins) twin.torchSecondsPerEpoch = torch?.[twin.kind] ?? null;
  const cpus = os.cpus();
  const results: Results = {
    settings,
    host: { cpu: cpus[0]?.model.trim() ?? 'unknown', cores: cpus.length, node: process.version },
    data: { name: splits.train.name.replace(/ train$/, ''), train: splits.train.length, test: splits.test.length },
    twins,
  };
  writeFileSync(new URL('results.json', HERE), JSON.stringify(results, null, 2) + '\n');
  console.log('\n' + formatTable(results));
  writeFileSync(new URL('accuracy.svg', HERE), await plotAccuracy(results));
  const readme = twins.length === TWIN_KINDS.length && settings.data === 'fashion-mnist';
  if (readme) writeReadmeTable(results);
  console.log(`wrote experiment/results.json and experiment/accuracy.svg${readme ? ' and the README table' : ''}`);
}

await main();
