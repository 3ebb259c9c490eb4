/**
 * Live random PyTorch suite (`npm run test:torch`).
 *
 *   node --import tsx tools/torch/live.ts [--seed N] [--valid 1000] [--invalid 250] [--borderline 100]
 *     [--grad 1000] [--grad-functional 300] [--grad-invalid 200] [--grad-graphs 200] [--grad-large 60] [--keep]
 *
 * Runs tools/torch/random_cases.py (Debian's PyTorch: /usr/bin/python3, or $CONVKIT_TORCH_PYTHON)
 * to draw random conv2d / Conv2d / DepthwiseSeparableConv2d / Sequential / pad configurations and
 * record torch's results, then replays them through convkit with test/support/cases.ts; and
 * tools/torch/random_grad_cases.py for the gradients of the same kinds of configurations and
 * torch.nn.grad calls, replayed with test/support/grad-cases.ts; and tools/torch/loss_cases.py for
 * softmax, the losses and their modules, replayed with test/support/loss-cases.ts.
 * Prints the seed (random unless given), the first failures in detail and a last line
 * `N passed, M failed`. Exit status: 0 all passed, 1 some failed, 2 Python/torch unusable.
 */
import { spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CONFIGS, withConfig } from '../../test/support/backends.js';
import { formatFailures, loadCaseFile, runCases, type CaseResult } from '../../test/support/cases.js';
import { runGradCases, type GradCase } from '../../test/support/grad-cases.js';
import { loadTrainRuns, replayTrainRun } from '../../test/support/train-runs.js';
import { runPoolCases, type PoolCase } from '../../test/support/pool-cases.js';
import { loadActivationCases, runActivationCases } from '../../test/support/activation-cases.js';
import { loadIdxCases, runIdxCases } from '../../test/support/idx-cases.js';
import { loadOptimFile, runOptimCases } from '../../test/support/optim-cases.js';
import { loadLinearBnFile, runLinearBnCases } from '../../test/support/linear-bn-cases.js';
import { loadLossCases, runLossCases } from '../../test/support/loss-cases.js';
import { loadModelCases, runModelCases } from '../../test/support/model-cases.js';

const PYTHON = process.env.CONVKIT_TORCH_PYTHON ?? '/usr/bin/python3';
const HERE = dirname(fileURLToPath(import.meta.url));
const SHOWN_FAILURES = 20;

/** One generator, the case file it writes, and how to replay that file. */
interface Suite {
  script: string;
  args: string[];
  output: string;
  load(jsonPath: string): { torch: string; run(): CaseResult[] };
  /**
   * Run only under the configurations that let the backend choose its kernels: whole training runs compound
   * every op's rounding over 20 optimiser steps, so they check what a user runs; forced kernels are checked
   * op by op by the other suites (test/fixtures/README.md, "Whole training runs").
   */
  unforced?: boolean;
}

function count(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`--${name} must be a non-negative integer, got ${JSON.stringify(text)}`);
    process.exit(2);
  }
  return n;
}

function main(): number {
  const { values: args } = parseArgs({
    options: {
      seed: { type: 'string' },
      valid: { type: 'string' },
      invalid: { type: 'string' },
      borderline: { type: 'string' },
      grad: { type: 'string' },
      'grad-functional': { type: 'string' },
      'grad-invalid': { type: 'string' },
      'grad-graphs': { type: 'string' },
      'grad-large': { type: 'string' },
      keep: { type: 'boolean', default: false },
    },
  });
  const seed = count('seed', args.seed, randomInt(2 ** 31));
  const valid = count('valid', args.valid, 1000);
  const invalid = count('invalid', args.invalid, 250);
  const borderline = count('borderline', args.borderline, 100);
  const grad = count('grad', args.grad, 1000);
  const gradFunctional = count('grad-functional', args['grad-functional'], 300);
  const gradInvalid = count('grad-invalid', args['grad-invalid'], 200);
  const gradGraphs = count('grad-graphs', args['grad-graphs'], 200);
  const gradLarge = count('grad-large', args['grad-large'], 60);
  const reproduce = `node --import tsx tools/torch/live.ts --seed ${seed} --valid ${valid} --invalid ${invalid} --borderline ${borderline}`
    + ` --grad ${grad} --grad-functional ${gradFunctional} --grad-invalid ${gradInvalid}`
    + ` --grad-graphs ${gradGraphs} --grad-large ${gradLarge}`;
  const suites: Suite[] = [
    {
      script: 'random_cases.py',
      args: ['--valid', String(valid), '--invalid', String(invalid), '--borderline', String(borderline)],
      output: 'random-cases.json',
      load: (path) => { const file = loadCaseFile(path); return { torch: file.torch, run: () => runCases(file) }; },
    },
    {
      script: 'random_grad_cases.py',
      args: ['--valid', String(grad), '--functional', String(gradFunctional), '--invalid', String(gradInvalid),
        '--graphs', String(gradGraphs), '--large', String(gradLarge)],
      output: 'random-grad-cases.json',
      load: (path) => { const file = loadCaseFile<GradCase>(path); return { torch: file.torch, run: () => runGradCases(file) }; },
    },
    {
      // relu6 / hardswish bit for bit, dropout, flatten, module reprs (test/fixtures/README.md, "Activations")
      script: 'activation_cases.py',
      args: ['--count', '200'],
      output: 'torch-activation.json',
      load: (path) => { const file = loadActivationCases(path); return { torch: file.torch, run: () => runActivationCases(file) }; },
    },
    {
      script: 'random_idx_cases.py',
      args: ['--count', '300'],
      output: 'random-idx-cases.json',
      load: (path) => { const file = loadIdxCases(path); return { torch: file.torch, run: () => runIdxCases(file) }; },
    },
    {
      script: 'loss_cases.py',
      args: ['--count', '300'],
      output: 'torch-loss.json',
      load: (path) => { const file = loadLossCases(path); return { torch: file.torch, run: () => runLossCases(file) }; },
    },
    {
      script: 'optim_cases.py',
      args: ['--optimizers', '200', '--schedules', '100', '--errors', '50'],
      output: 'random-optim.json',
      load: (path) => { const file = loadOptimFile(path); return { torch: file.torch, run: () => runOptimCases(file) }; },
    },
    {
      // linear / Linear / batchNorm / BatchNorm2d: outputs, gradients, running statistics step by step (test/fixtures/README.md)
      script: 'linear_bn_cases.py',
      args: ['--count', '400'],
      output: 'linear-bn-cases.json',
      load: (path) => { const file = loadLinearBnFile(path); return { torch: file.torch, run: () => runLinearBnCases(file) }; },
    },
    {
      // pooling: outputs, input gradients, max indices, module reprs, rejected configurations (test/fixtures/README.md, "Pooling")
      script: 'pool_cases.py',
      args: ['--count', '300'],
      output: 'pool-cases.json',
      load: (path) => { const file = loadCaseFile<PoolCase>(path); return { torch: file.torch, run: () => runPoolCases(file) }; },
    },
    {
      // torchvision's MobileNetV2, ResNeXt bottleneck and ASPP of random widths, loaded from torch's safetensors (test/support/model-cases.ts)
      script: 'models_cases.py',
      args: ['--count', '12'],
      output: 'models-cases.json',
      load: (path) => { const file = loadModelCases(path); return { torch: file.torch, run: () => runModelCases(file) }; },
    },
    {
      // whole training runs: a small CNN with BatchNorm, pooling and dropout (p=0), 20 steps of SGD/Adam/AdamW (test/support/train-runs.ts)
      script: 'train_run.py',
      args: ['--runs', '10'],
      unforced: true,
      output: 'train-runs.json',
      load: (path) => {
        const file = loadTrainRuns(path);
        return {
          torch: file.torch,
          run: () => file.runs.map((r) => {
            const problems = replayTrainRun(file, r);
            return { id: `train run ${r.seed}`, group: 'train-run', kind: r.optimizer, pass: problems.length === 0, message: problems.slice(0, 3).join('; ') };
          }),
        };
      },
    },
  ];
  console.log(`convkit vs PyTorch, seed ${seed} (reproduce: ${reproduce})`);

  if (!existsSync(PYTHON)) {
    console.error(`error: ${PYTHON} not found. This suite needs Python with PyTorch (Debian: apt install python3-torch),`
      + ' or set CONVKIT_TORCH_PYTHON to such an interpreter.');
    return 2;
  }
  const dir = mkdtempSync(join(tmpdir(), 'convkit-torch-'));
  let keep = args.keep;
  try {
    const runners: Array<{ run: () => CaseResult[]; unforced: boolean }> = [];
    let torchVersion = '';
    for (const suite of suites) {
      const started = Date.now();
      const script = join(HERE, suite.script);
      const python = spawnSync(PYTHON, [script, '--seed', String(seed), ...suite.args, '--out', dir],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      if (python.error || python.status !== 0) {
        const why = python.error ? python.error.message : python.signal ? `killed by ${python.signal}` : `exit status ${python.status}`;
        console.error(`error: ${PYTHON} ${script} failed (${why})`);
        if (python.stderr) console.error(python.stderr.trimEnd());
        if (python.status === 3) console.error('PyTorch is missing: install python3-torch or set CONVKIT_TORCH_PYTHON.');
        return 2;
      }
      if (python.stderr.trim()) console.error(python.stderr.trimEnd());
      console.log(`torch ${python.stdout.trim()} [${((Date.now() - started) / 1000).toFixed(1)}s]`);
      const loaded = suite.load(join(dir, suite.output));
      runners.push({ run: loaded.run, unforced: suite.unforced === true });
      torchVersion = loaded.torch;
    }

    const checkStart = Date.now();
    // Every backend and kernel choice against torch (test/support/backends.ts).
    const results = CONFIGS.flatMap((config) =>
      withConfig(config, () => runners.filter((r) => !r.unforced || config.knobs.force === undefined).flatMap((r) => r.run()))
        .map((r) => ({ ...r, id: `${config.name}: ${r.id}`, group: `${config.name}/${r.group}`, message: r.message && `[${config.name}] ${r.message}` })),
    );
    const failed = results.filter((r) => !r.pass);
    for (const group of new Set(results.map((r) => r.group))) {
      const inGroup = results.filter((r) => r.group === group);
      const bad = inGroup.filter((r) => !r.pass).length;
      console.log(`  ${group}: ${inGroup.length - bad}/${inGroup.length} passed`);
    }
    console.log(`convkit checked ${results.length} cases in ${((Date.now() - checkStart) / 1000).toFixed(1)}s (torch ${torchVersion})`);
    if (failed.length > 0) {
      keep = true;
      console.log(`\nFAILURES (first ${Math.min(SHOWN_FAILURES, failed.length)} of ${failed.length}):`);
      console.log(formatFailures(results, SHOWN_FAILURES));
      console.log(`\ncase files kept in ${dir}; reproduce with: ${reproduce}`);
    }
    else if (keep) console.log(`case files kept in ${dir}`);
    console.log(`${results.length - failed.length} passed, ${failed.length} failed`);
    return failed.length > 0 ? 1 : 0;
  } finally {
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}

process.exitCode = main();
