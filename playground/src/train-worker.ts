/**
 * Trains one twin of the training panel off the page's main thread, as a user of convkit writes it:
 * `moduleFromJSON(twinJSON(kind))`, `Adam`, a shuffling `DataLoader`, `trainStep` for each batch and
 * `evaluate` on the test set. Steps run in slices of about 100 ms with a yield to the message queue in
 * between, so a stop arrives within one slice, and the model, optimiser and loader stay as they are
 * until a resume.
 */
import {
  Adam, DataLoader, evaluate, getBackend, getNumThreads, manualSeed, moduleFromJSON, noGrad, ready, setNumThreads, trainStep, twinJSON,
  type Batch, type Module, type TwinKind,
} from 'convkit';
import { readDigits } from './digits';

export interface TrainSettings {
  kind: TwinKind;
  widths: [number, number, number];
  batchSize: number;
  lr: number;
  /** Seeds the weights and the order of the batches: both twins get the same. */
  seed: number;
  /** Test after this many steps (and on every stop). */
  testEvery: number;
  /** How many test images the panel shows with their predictions (the first ones). */
  gridSize: number;
  threads: number;
}

export type TrainRequest = { type: 'start'; settings: TrainSettings; digits: ArrayBuffer } | { type: 'stop' } | { type: 'resume' };

/** One step's mean loss and accuracy over its batch. */
export interface StepRecord { step: number; loss: number; accuracy: number }

export type TrainReply =
  | { type: 'ready'; backend: string; threads: number }
  | { type: 'steps'; records: StepRecord[]; stepsPerSecond: number }
  | { type: 'test'; step: number; loss: number; accuracy: number; predictions: number[] }
  | { type: 'stopped'; step: number }
  | { type: 'error'; message: string };

/** The MNIST training set's mean and standard deviation, as torchvision examples normalise it. */
const NORMALIZE = { mean: 0.1307, std: 0.3081 };
const SLICE_MS = 100;

let model: Module;
let optimizer: Adam;
let train: DataLoader;
let test: DataLoader;
let grid: Batch;
let batches: Iterator<Batch>;
let settings: TrainSettings;
let step = 0;
/** Whether to go on stepping; a stop clears it, the loop ends at its next check. */
let running = false;
/** Whether a loop is under way: a resume that comes before a stopped loop has ended lets that loop go on. */
let looping = false;
/** Milliseconds spent in trainStep, for the steps a second the panel shows. */
let stepMs = 0;

const post = (reply: TrainReply) => self.postMessage(reply);

const channel = new MessageChannel();
/** Lets queued messages (a stop) run; a message port, since setTimeout's nesting clamp adds 4 ms. */
const yieldToMessages = () => new Promise<void>((resolve) => {
  channel.port1.onmessage = () => resolve();
  channel.port2.postMessage(null);
});

function nextBatch(): Batch {
  let next = batches.next();
  if (next.done) {
    batches = train[Symbol.iterator]();
    next = batches.next();
  }
  return next.value;
}

function runTest(): void {
  const { loss, accuracy } = evaluate(model, test);
  model.eval();
  const logits = noGrad(() => model.forward(grid.images));
  model.train();
  const [n, classes] = logits.shape;
  const predictions = Array.from({ length: n }, (_, i) => {
    const row = logits.data.subarray(i * classes, (i + 1) * classes);
    return row.indexOf(Math.max(...row));
  });
  post({ type: 'test', step, loss, accuracy, predictions });
}

async function loop(): Promise<void> {
  looping = true;
  while (running) {
    const records: StepRecord[] = [];
    const sliceStart = performance.now();
    while (running && performance.now() - sliceStart < SLICE_MS) {
      const t = performance.now();
      const r = trainStep(model, optimizer, nextBatch());
      stepMs += performance.now() - t;
      records.push({ step: ++step, loss: r.loss, accuracy: r.correct / r.count });
      if (step % settings.testEvery === 0) break;
    }
    post({ type: 'steps', records, stepsPerSecond: (1000 * step) / stepMs });
    if (step % settings.testEvery === 0) runTest();
    await yieldToMessages();
  }
  looping = false;
  runTest();
  post({ type: 'stopped', step });
}

async function start(s: TrainSettings, digits: ArrayBuffer): Promise<void> {
  settings = s;
  running = true;
  setNumThreads(s.threads);
  await ready();
  post({ type: 'ready', backend: getBackend(), threads: getNumThreads() });
  const data = readDigits(digits);
  manualSeed(s.seed);
  model = moduleFromJSON(twinJSON(s.kind, { widths: s.widths }));
  optimizer = new Adam(model.parameters(), { lr: s.lr });
  train = new DataLoader(data.train, { batchSize: s.batchSize, shuffle: true, seed: s.seed, normalize: NORMALIZE });
  test = new DataLoader(data.test, { batchSize: 100, normalize: NORMALIZE });
  grid = new DataLoader(data.test, { batchSize: s.gridSize, normalize: NORMALIZE })[Symbol.iterator]().next().value!;
  batches = train[Symbol.iterator]();
  model.train();
  runTest();
  await loop();
}

self.onmessage = (event: MessageEvent<TrainRequest>) => {
  const request = event.data;
  const failed = (e: unknown) => post({ type: 'error', message: e instanceof Error ? e.message : String(e) });
  if (request.type === 'start') start(request.settings, request.digits).catch(failed);
  else if (request.type === 'stop') running = false;
  else {
    running = true;
    // before start() has built the model, its own loop is still to come
    if (!looping && optimizer !== undefined) loop().catch(failed);
  }
};
