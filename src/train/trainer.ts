/**
 * The training loop a classifier needs, kept apart from where the data comes from and how progress is
 * shown, so that the CLI, the experiment and a browser worker run the same steps: `trainStep` (forward,
 * cross-entropy, backward, optimiser), `evaluate` (eval mode, no graph) and `fit` (epochs of both).
 */
import { noGrad } from '../autograd/grad-mode.js';
import type { Batch, DataLoader } from '../data/loader.js';
import { argError, isInt, show } from '../errors.js';
import type { Module } from '../nn/module.js';
import { crossEntropy } from '../ops/loss.js';
import type { Tensor } from '../tensor.js';

/** What `trainStep` needs of an optimiser (convkit's `SGD`, `Adam` and `AdamW` have it). */
export interface StepOptimizer {
  step(): void;
  zeroGrad(setToNone?: boolean): void;
}

/** A learning-rate schedule stepped once per epoch or once per batch (`OneCycleLR`). */
export interface StepSchedule {
  step(): void;
}

/** The loss and the count of right answers of one batch. */
export interface BatchResult {
  /** Mean cross-entropy over the batch. */
  loss: number;
  /** Images whose largest logit is their label's. */
  correct: number;
  /** Images in the batch. */
  count: number;
}

/** How many rows of `logits` (N, C) have their first largest value at their label, as `argmax` picks it. */
export function countCorrect(logits: Tensor, labels: Int32Array): number {
  const [n, c] = logits.shape;
  let correct = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < c; j++) if (logits.data[i * c + j] > logits.data[i * c + best]) best = j;
    if (best === labels[i]) correct++;
  }
  return correct;
}

/**
 * One step of training on `batch`, as a PyTorch loop writes it: `zero_grad(set_to_none=True)`, forward,
 * `cross_entropy`, `backward`, `step`. The model should be in training mode.
 */
export function trainStep(model: Module, optimizer: StepOptimizer, batch: Batch): BatchResult {
  optimizer.zeroGrad(true);
  const logits = model.forward(batch.images);
  const loss = crossEntropy(logits, batch.labels);
  loss.backward();
  optimizer.step();
  return { loss: loss.data[0], correct: countCorrect(logits, batch.labels), count: batch.labels.length };
}

/** Mean loss and accuracy of `model` over one pass of `loader`, in eval mode without recording a graph; the mode is restored. */
export function evaluate(model: Module, loader: DataLoader): { loss: number; accuracy: number } {
  const wasTraining = model.training;
  model.eval();
  let lossSum = 0;
  let correct = 0;
  let count = 0;
  try {
    noGrad(() => {
      for (const batch of loader) {
        const logits = model.forward(batch.images);
        lossSum += crossEntropy(logits, batch.labels, { reduction: 'sum' }).data[0];
        correct += countCorrect(logits, batch.labels);
        count += batch.labels.length;
      }
    });
  } finally {
    model.train(wasTraining);
  }
  return { loss: count === 0 ? NaN : lossSum / count, accuracy: count === 0 ? NaN : correct / count };
}

/** Where training is, after each batch. */
export interface Progress {
  epoch: number;
  epochs: number;
  /** Batches done in this epoch. */
  batch: number;
  batches: number;
  /** Mean loss and accuracy over this epoch's batches so far. */
  loss: number;
  accuracy: number;
  /** Images a second over this epoch so far. */
  imagesPerSecond: number;
  /** Seconds since this epoch began. */
  seconds: number;
}

/** One epoch's outcome. */
export interface EpochResult {
  epoch: number;
  /** Mean over the epoch's batches, as the model changed during it. */
  trainLoss: number;
  trainAccuracy: number;
  testLoss: number;
  testAccuracy: number;
  /** Seconds of training (the test pass aside). */
  seconds: number;
  imagesPerSecond: number;
}

export interface FitOptions {
  /** The epoch to stop after: epochs `firstEpoch` to `epochs` run. */
  epochs: number;
  /** The epoch to start at (default 1), after resuming from a checkpoint of the epochs before it. */
  firstEpoch?: number;
  /** Stepped after every batch when `perBatch`, else after every epoch. */
  schedule?: { scheduler: StepSchedule; perBatch: boolean };
  onProgress?(progress: Progress): void;
  onEpoch?(result: EpochResult): void;
  /** Returns true to stop after the current batch (the epoch then ends without its test pass). */
  shouldStop?(): boolean;
  /**
   * What time is measured with, in milliseconds (default `performance.now`, wall time). On a shared
   * machine, a process's CPU time measures one thread's work without the time others took from it.
   */
  clock?(): number;
}

/**
 * Trains `model` for epochs `firstEpoch` to `epochs` of `train`, testing on `test` after each, and returns
 * those epochs' results.
 */
export function fit(model: Module, optimizer: StepOptimizer, train: DataLoader, test: DataLoader, options: FitOptions): EpochResult[] {
  const { epochs, firstEpoch = 1, schedule, onProgress, onEpoch, shouldStop, clock = () => performance.now() } = options;
  if (!isInt(epochs) || epochs < 1) throw argError('fit', `epochs must be a positive integer, got ${show(epochs)}`);
  if (!isInt(firstEpoch) || firstEpoch < 1) throw argError('fit', `firstEpoch must be a positive integer, got ${show(firstEpoch)}`);
  const batches = train.length;
  const results: EpochResult[] = [];
  for (let epoch = firstEpoch; epoch <= epochs; epoch++) {
    model.train();
    const started = clock();
    let lossSum = 0;
    let correct = 0;
    let count = 0;
    let batch = 0;
    for (const data of train) {
      const step = trainStep(model, optimizer, data);
      if (schedule?.perBatch) schedule.scheduler.step();
      lossSum += step.loss * step.count;
      correct += step.correct;
      count += step.count;
      batch++;
      const seconds = (clock() - started) / 1000;
      onProgress?.({ epoch, epochs, batch, batches, loss: lossSum / count, accuracy: correct / count, imagesPerSecond: count / seconds, seconds });
      if (shouldStop?.()) return results;
    }
    if (schedule !== undefined && !schedule.perBatch) schedule.scheduler.step();
    const seconds = (clock() - started) / 1000;
    const tested = evaluate(model, test);
    const result: EpochResult = {
      epoch, trainLoss: lossSum / count, trainAccuracy: correct / count, testLoss: tested.loss, testAccuracy: tested.accuracy,
      seconds, imagesPerSecond: count / seconds,
    };
    results.push(result);
    onEpoch?.(result);
  }
  return results;
}
