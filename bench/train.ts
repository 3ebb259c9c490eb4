/**
 * `npm run bench:train`: images per second of one training step (forward, cross-entropy, backward, Adam)
 * of the experiment's twins (src/train/twins.ts), for convkit (wasm, 1 and 2 threads), PyTorch (Debian's,
 * 1 and 2 threads) and tfjs (its fastest backend that can train the model), on the same machine in the
 * same run. Every contender starts each cell from the same initial weights and trains on the same batch;
 * the first step's loss must agree across them (within 1e-4 relative) before a figure counts.
 *
 *   npm run bench:train -- [--models standard,separable] [--batches 32,128] [--widths 16,32,64]
 *     [--contenders convkit,torch,tfjs] [--warmup 2] [--steps 10] [--repeat 2] [--seed 0]
 *     [--tfjs-budget-s 20] [--cap-s 30] [--json bench/results/train.json] [--md bench/results/train.md]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Generator, manualSeed, moduleFromJSON, randn, saveSafetensors } from '../src/index.js';
import { twinJSON, TWIN_KINDS, type TwinKind } from '../src/train/twins.js';
import { describeTorch, torchInfo } from './backward/torch-info.js';
import { describeHost } from './machine.js';
import { PYTHON } from './peers/torch.js';
import { CLASSES, IMAGE_SIZE, type Cell, type ContenderKind, type ContenderSpec } from './train/cells.js';
import { contenderId, contenderLabel, runContender } from './train/children.js';
import { cellKey, checkLosses, formatTable, formatTargets, LOSS_RTOL, mergeRound, tableJson, type Table } from './train/report.js';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const KINDS: readonly ContenderKind[] = ['convkit', 'torch', 'tfjs'];
/** In table order. tfjs runs one thread under Node (wasm's threaded build is browser-only; cpu is plain JS). */
const SPECS: readonly ContenderSpec[] = [
  { kind: 'convkit', threads: 1 }, { kind: 'convkit', threads: 2 },
  { kind: 'torch', threads: 1 }, { kind: 'torch', threads: 2 },
  { kind: 'tfjs', threads: 1 },
];

const USAGE = 'usage: npm run bench:train -- [--models standard,separable] [--batches 32,128] [--widths 16,32,64] ' +
  '[--contenders convkit,torch,tfjs] [--warmup 2] [--steps 10] [--repeat 2] [--seed 0] [--tfjs-budget-s 20] [--cap-s 30] [--json FILE] [--md FILE]';

function parseCli() {
  const { values } = parseArgs({
    options: {
      models: { type: 'string', default: 'standard,separable' },
      batches: { type: 'string', default: '32,128' },
      widths: { type: 'string', default: '16,32,64' },
      contenders: { type: 'string', default: KINDS.join(',') },
      warmup: { type: 'string', default: '2' },
      steps: { type: 'string', default: '10' },
      repeat: { type: 'string', default: '2' },
      seed: { type: 'string', default: '0' },
      'tfjs-budget-s': { type: 'string', default: '20' },
      'cap-s': { type: 'string', default: '30' },
      json: { type: 'string', default: resolve(BENCH_DIR, 'results', 'train.json') },
      md: { type: 'string', default: resolve(BENCH_DIR, 'results', 'train.md') },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const list = (text: string) => text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const int = (name: string, text: string, min: number) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}, got ${JSON.stringify(text)}\n${USAGE}`);
    return n;
  };
  const seconds = (name: string, text: string) => {
    const s = Number(text);
    if (!(s >= 0)) throw new Error(`--${name} must be a number of seconds >= 0, got ${JSON.stringify(text)}`);
    return s;
  };
  const models = list(values.models).map((m) => {
    if (!TWIN_KINDS.includes(m as TwinKind)) throw new Error(`unknown model ${JSON.stringify(m)}; known: ${TWIN_KINDS.join(', ')}`);
    return m as TwinKind;
  });
  const widths = list(values.widths).map((w) => int('widths', w, 1));
  if (widths.length !== 3) throw new Error(`--widths takes three channel counts (stem, block 1, blocks 2-3), got ${JSON.stringify(values.widths)}`);
  const kinds = list(values.contenders).map((k) => {
    if (!KINDS.includes(k as ContenderKind)) throw new Error(`unknown contender ${JSON.stringify(k)}; known: ${KINDS.join(', ')}`);
    return k as ContenderKind;
  });
  // Smaller batches first: tfjs's pace on one predicts its next (its skip), and the table reads in order.
  const batches = [...new Set(list(values.batches).map((b) => int('batches', b, 1)))].sort((a, b) => a - b);
  return {
    models, batches, kinds, widths: widths as [number, number, number],
    warmup: int('warmup', values.warmup, 1), steps: int('steps', values.steps, 1), repeat: int('repeat', values.repeat, 1),
    seed: int('seed', values.seed, 0), budgetS: seconds('tfjs-budget-s', values['tfjs-budget-s']), capS: seconds('cap-s', values['cap-s']),
    json: values.json, md: values.md,
  };
}

/** The data folder every contender reads (train/cells.ts): the batch and each model's JSON and initial weights. */
function writeData(dir: string, cli: ReturnType<typeof parseCli>): void {
  const largest = Math.max(...cli.batches);
  const generator = new Generator(cli.seed);
  const images = randn([largest, 1, IMAGE_SIZE, IMAGE_SIZE], generator).data;
  const labels = Int32Array.from({ length: largest }, () => Math.floor(generator.uniform() * CLASSES));
  writeFileSync(join(dir, 'images.f32'), new Uint8Array(images.buffer, images.byteOffset, images.byteLength));
  writeFileSync(join(dir, 'labels.i32'), new Uint8Array(labels.buffer));
  for (const kind of cli.models) {
    const json = twinJSON(kind, { widths: cli.widths, classes: CLASSES });
    // Each model from the seed, so a model's initial weights do not depend on which others run.
    manualSeed(cli.seed);
    const model = moduleFromJSON(json);
    writeFileSync(join(dir, `${kind}.json`), JSON.stringify(json));
    writeFileSync(join(dir, `${kind}.safetensors`), saveSafetensors(model.stateDict()));
  }
}

async function main(): Promise<void> {
  const cli = parseCli();
  const host = await describeHost();
  const torch = cli.kinds.includes('torch') ? torchInfo() : undefined;
  const torchLine = torch ? describeTorch(torch) : `PyTorch: ${cli.kinds.includes('torch') ? `not found (${PYTHON} cannot import torch; CONVKIT_TORCH_PYTHON names another), left out` : 'not run'}`;
  const specs = SPECS.filter((s) => cli.kinds.includes(s.kind) && (s.kind !== 'torch' || torch !== undefined));
  const cells: Cell[] = cli.models.flatMap((model) => cli.batches.map((batch) => ({ model, batch })));
  const mode = `models ${cli.models.join(', ')} (widths ${cli.widths.join(', ')}; 1x${IMAGE_SIZE}x${IMAGE_SIZE} in, ${CLASSES} classes), batches ${cli.batches.join(', ')}; ` +
    `${cli.warmup} untimed + ${cli.steps} timed steps a cell; ${cli.repeat} process${cli.repeat > 1 ? 'es' : ''} per contender, lowest median kept`;
  console.log(`${host.text}\n${torchLine}\nTraining bench: ${mode}\n`);

  const dir = mkdtempSync(join(tmpdir(), 'convkit-bench-train-'));
  const table: Table = new Map();
  const otherLoad = new Map<string, number | null>();
  const info = new Map<string, Array<Record<string, unknown>>>();
  const childErrors: string[] = [];
  try {
    writeData(dir, cli);
    // Rounds go over every contender before repeating one, so that a slow spell of the machine hits different ones.
    for (let round = 1; round <= cli.repeat; round++) {
      // tfjs in the first round only: two orders of magnitude slower, a second process would change nothing but the run's length.
      for (const spec of specs.filter((s) => round === 1 || s.kind !== 'tfjs')) {
        const id = contenderId(spec);
        process.stderr.write(`${contenderLabel(spec)}${cli.repeat > 1 ? ` (round ${round}/${cli.repeat})` : ''}:\n`);
        const tfjs = spec.kind === 'tfjs';
        const run = await runContender({
          // tfjs: the first step only untimed (it warms up, and gives the checked loss); its steps take seconds.
          spec, dir, cells, warmup: tfjs ? 1 : cli.warmup, steps: cli.steps,
          budgetMs: tfjs && cli.budgetS > 0 ? cli.budgetS * 1000 : undefined, capMs: tfjs && cli.capS > 0 ? cli.capS * 1000 : undefined,
        });
        if (run.error !== undefined) childErrors.push(`${contenderLabel(spec)}: ${run.error}`);
        if (round === 1) info.set(id, run.info);
        const load = otherLoad.get(id);
        otherLoad.set(id, run.otherLoad === null ? (load ?? null) : Math.max(load ?? 0, run.otherLoad));
        const mine = table.get(id) ?? new Map();
        table.set(id, mine);
        for (const result of run.cells) mine.set(cellKey(result.model, result.batch), mergeRound(mine.get(cellKey(result.model, result.batch)), result));
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const mismatches = checkLosses(table, specs, cells.map((c) => cellKey(c.model, c.batch)));
  const tfjsInfo = info.get('tfjs-1t')?.filter((i) => 'lacks' in i) ?? [];
  const tfjsBackends = [...new Set([...(table.get('tfjs-1t')?.values() ?? [])].map((c) => c.backend).filter((b) => b !== undefined))];
  const layout = { specs, cells, steps: cli.steps, tfjsBackend: tfjsBackends.join('/') || undefined };
  const legend = formatLegend(table, specs, cli, tfjsInfo, otherLoad);
  const markdown = [
    '```', host.text, torchLine, `Training bench: ${mode}`, '```', '',
    'Images per second of one training step (higher is better):', '', formatTable(table, layout), '',
    'Against the targets:', '', formatTargets(table, layout), '', legend,
  ].join('\n');
  console.log(`\n${formatTable(table, layout)}\n\n${formatTargets(table, layout)}\n\n${legend}`);
  for (const line of childErrors) console.log(`ERROR ${line}`);
  for (const [id, cellsOf] of table) for (const [key, cell] of cellsOf) if (cell.error !== undefined) console.log(`ERROR ${id} ${key}: ${cell.error}`);
  if (mismatches.length > 0) {
    console.log(`\n!!! LOSS MISMATCH: the first step's loss differs between libraries by more than ${LOSS_RTOL} relative; those cells count for nothing:`);
    for (const line of mismatches) console.log(`!!! ${line}`);
  }

  mkdirSync(dirname(cli.json), { recursive: true });
  writeFileSync(cli.json, `${JSON.stringify({
    date: new Date().toISOString(), machine: host.machine, peakGflops: host.peak, torch, options: { ...cli, json: undefined, md: undefined },
    specs, tfjsBackends: tfjsInfo, otherLoad: Object.fromEntries(otherLoad), cells: tableJson(table), lossMismatches: mismatches, childErrors,
  }, null, 2)}\n`);
  mkdirSync(dirname(cli.md), { recursive: true });
  writeFileSync(cli.md, `${markdown}\n`);
  console.log(`\nJSON: ${cli.json}\nMarkdown: ${cli.md}`);
  const errors = childErrors.length + [...table.values()].flatMap((m) => [...m.values()]).filter((c) => c.error !== undefined).length;
  if (mismatches.length > 0 || errors > 0) process.exitCode = 1;
}

function formatLegend(table: Table, specs: readonly ContenderSpec[], cli: ReturnType<typeof parseCli>, tfjsInfo: Array<Record<string, unknown>>, otherLoad: Map<string, number | null>): string {
  const lines = [
    `A step, per contender: convkit: \`trainStep\` (src/train/trainer.ts: zeroGrad(true), forward, crossEntropy, backward, Adam step, loss read) on its wasm backend, \`setNumThreads\`; ` +
      'PyTorch: the same in Python (`zero_grad(set_to_none=True)`, `cross_entropy`, `backward`, `Adam.step`, `loss.item()`), `torch.set_num_threads` and OMP/OpenBLAS threads; ' +
      'tfjs: `optimizer.minimize` of `losses.softmaxCrossEntropy` over the model in tfjs ops (NHWC, batch norm by `moments`), loss read with `dataSync`. Adam lr 1e-3 in all.',
    `Figures: batch / median step time over the timed steps, after ${cli.warmup} untimed (the first from the initial weights); the lowest median over the processes. Ratios: convkit's images/s over PyTorch's at the same threads; speedup: 2T images/s over 1T.`,
    `Checked: every contender's first-step loss (same weights, same batch) against PyTorch 1T's (else convkit 1T's), relative difference <= ${LOSS_RTOL}; a cell that fails shows LOSS MISMATCH and no figure. ‡: the loss did not fall from the first step to the last. † nT: the library reported running on n threads, not the column's.`,
  ];
  const worst = specs.flatMap((s) => [...(table.get(contenderId(s))?.values() ?? [])].map((c) => c.lossCheck?.relErr ?? 0));
  if (worst.length > 0) lines.push(`Largest first-step loss difference seen: ${Math.max(...worst).toExponential(2)} relative.`);
  for (const probe of tfjsInfo) {
    const lacks = probe.lacks as Record<string, string[]>;
    const text = Object.entries(lacks).map(([b, missing]) => `${b}: ${missing.length === 0 ? 'all' : `lacks ${missing.join(', ')}`}`).join('; ');
    lines.push(`tfjs ${probe.version} on the ${probe.model} model: a step runs ${(probe.kernels as string[]).length} kernels (recorded on cpu); ${text}. Each cell runs on the first backend of wasm, cpu that has them all.`);
  }
  if (specs.some((s) => s.kind === 'tfjs')) {
    lines.push(`tfjs runs its plain-JS kernels at seconds a step, so: one process, one untimed step, timing stopped after ${cli.budgetS} s (at least one timed step; "(k steps)" then), ` +
      `and a cell whose step is projected (from the model's smaller batch, or a profiled batch-2 step) to take over ${cli.capS} s is skipped. tfjs keeps no running batch-norm statistics here.`);
  }
  const loaded = [...otherLoad].filter(([, load]) => load !== null && load > 0.2);
  if (loaded.length > 0) {
    lines.push(`WARNING: other processes kept ${loaded.map(([id, load]) => `${load!.toFixed(1)} core busy during ${id}`).join(', ')}; on 2 cores that halves a 2-thread figure: rerun on a quiet machine.`);
  }
  return lines.map((l) => `- ${l}`).join('\n');
}

await main();
