#!/usr/bin/env node
/**
 * The `convkit` command: `demo`, `summary`, `compare`, `rf`. Each prints a table, or JSON with `--json`.
 * Bad arguments print one line and exit with code 2.
 */
import { readFileSync } from 'node:fs';
import { compare, formatCompare } from '../analysis/compare.js';
import { coverageMap, formatCoverage, hdc, receptiveFields, type SpatialLayer } from '../analysis/receptive-field.js';
import { formatSummary, summary } from '../analysis/summary.js';
import { formatTutorial, tutorialExamples } from '../demo/tutorial.js';
import { ConvkitArgumentError } from '../errors.js';
import { Sequential } from '../nn/sequential.js';
import { int, intList, parse, required, UsageError } from './args.js';

const HELP: Record<string, string> = {
  '': `convkit: PyTorch-exact convolutions for JavaScript, and what they cost

usage: convkit <command> [options]

commands:
  demo                                   the tutorial's four examples, with their costs
  summary MODEL.json --input N,C,H,W     a torchinfo-like table of a model written by Sequential.toJSON()
  compare --in C --out C --kernel K --input N,C,H,W
                                         standard, grouped, depthwise and depthwise-separable variants
  rf --kernel K --dilation R1,R2,...     receptive field and coverage map of a dilated stack, with the HDC rule

every command takes --json (machine-readable output) and --help`,
  demo: `usage: convkit demo [--json]

Runs the tutorial's four examples (pointwise, dilated, grouped, depthwise-separable) and prints each
layer's output shape, parameters, MACs and FLOPs beside the standard convolution it replaces.`,
  summary: `usage: convkit summary MODEL.json --input N,C,H,W [--json]

MODEL.json is what Sequential.toJSON() writes, e.g.
  {"type": "Sequential", "layers": [{"type": "Conv2d", "inChannels": 3, "outChannels": 16, "kernelSize": 3, "padding": 1}, {"type": "ReLU"}]}
Prints each layer's arguments, output shape, parameters, MACs, receptive field and jump, then totals.`,
  compare: `usage: convkit compare --in C_in --out C_out --kernel K --input N,C,H,W [--stride S] [--padding P] [--json]

Counts parameters and MACs of the standard convolution and of its grouped (every G dividing both channel
counts), depthwise and depthwise-separable variants; padding defaults to K // 2.`,
  rf: `usage: convkit rf --kernel K --dilation R1,R2,... [--stride S1,S2,...] [--json]

A stack of KxK convolutions with those dilation rates (and strides, default 1): the receptive field after
each layer, the coverage map of one output position ('#' reached, '.' a hole), and Wang et al.'s HDC rule.
--kernel takes one size for every layer or one per layer.`,
};

type Output = { text: string; json: unknown };

function demo(): Output {
  const examples = tutorialExamples();
  return { text: formatTutorial(examples), json: examples };
}

function summaryCommand(values: Record<string, unknown>, positionals: string[]): Output {
  const file = positionals[0];
  if (file === undefined) throw new UsageError('convkit summary: MODEL.json is required (see convkit summary --help)');
  const input = intList('summary', 'input', required('summary', values, 'input'), 0);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`convkit summary: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const s = summary(Sequential.fromJSON(text), input);
  return { text: formatSummary(s), json: s };
}

function compareCommand(values: Record<string, unknown>): Output {
  const result = compare({
    inChannels: int('compare', 'in', required('compare', values, 'in'), 1),
    outChannels: int('compare', 'out', required('compare', values, 'out'), 1),
    kernelSize: int('compare', 'kernel', required('compare', values, 'kernel'), 1),
    inputShape: intList('compare', 'input', required('compare', values, 'input'), 0),
    stride: typeof values.stride === 'string' ? int('compare', 'stride', values.stride, 1) : undefined,
    padding: typeof values.padding === 'string' ? int('compare', 'padding', values.padding, 0) : undefined,
  });
  return { text: formatCompare(result), json: result };
}

function rfCommand(values: Record<string, unknown>): Output {
  const rates = intList('rf', 'dilation', required('rf', values, 'dilation'), 1);
  const kernels = intList('rf', 'kernel', required('rf', values, 'kernel'), 1);
  const strides = typeof values.stride === 'string' ? intList('rf', 'stride', values.stride, 1) : rates.map(() => 1);
  for (const [name, list] of [['kernel', kernels], ['stride', strides]] as const) {
    if (list.length !== 1 && list.length !== rates.length) {
      throw new UsageError(`convkit rf: --${name} takes one value or one per layer (${rates.length}), got ${list.length}`);
    }
  }
  const at = (list: number[], i: number) => (list.length === 1 ? list[0] : list[i]);
  const layers: SpatialLayer[] = rates.map((r, i) => {
    const k = at(kernels, i);
    const s = at(strides, i);
    const p = Math.floor(k / 2) * r;
    return { kernel: [k, k], stride: [s, s], dilation: [r, r], padding: [p, p] };
  });
  const fields = receptiveFields(layers);
  const map = coverageMap(layers);
  const sameKernel = new Set(layers.map((l) => l.kernel[0])).size === 1;
  const rule = sameKernel && strides.every((s) => s === 1) && layers[0].kernel[0] >= 2 ? hdc(layers[0].kernel[0], rates) : null;
  const lines = ['layer  kernel  dilation  k_eff  stride  receptive field  jump'];
  layers.forEach((l, i) => {
    const keff = (l.kernel[0] - 1) * l.dilation[0] + 1;
    lines.push(`${String(i + 1).padStart(5)}  ${String(l.kernel[0]).padStart(6)}  ${String(l.dilation[0]).padStart(8)}  ${String(keff).padStart(5)}  ${String(l.stride[0]).padStart(6)}  ${`${fields[i].size[0]}x${fields[i].size[1]}`.padStart(15)}  ${String(fields[i].jump[0]).padStart(4)}`);
  });
  const total = map.size[0] * map.size[1];
  lines.push('', `coverage of one output position (${map.size[0]}x${map.size[1]}; '#' reached, '.' a hole):`, formatCoverage(map));
  lines.push('', map.holes === 0 ? `no holes: every one of the ${total} positions is reached` : `gridding: ${map.holes} of ${total} positions are holes`);
  if (rule !== null) {
    const factor = rule.commonFactor === null ? 'none' : String(rule.commonFactor);
    lines.push(
      `HDC rule (Wang et al. 2018): M = [${rule.M.join(', ')}], goal M_2 <= K: ${rule.goalMet ? 'met' : 'not met'}; common factor: ${factor} -> ${rule.satisfied ? 'satisfied' : 'not satisfied'}`,
      rule.satisfied === (map.holes === 0) ? 'the coverage map agrees with the rule' : 'the coverage map disagrees with the rule (it is derived for stacks starting at rate 1)',
    );
  }
  return { text: lines.join('\n'), json: { layers, receptiveFields: fields, coverage: map, hdc: rule } };
}

const COMMANDS: Record<string, { flags: Record<string, { type: 'string' | 'boolean' }>; positionals: number; run: (v: Record<string, unknown>, p: string[]) => Output }> = {
  demo: { flags: {}, positionals: 0, run: demo },
  summary: { flags: { input: { type: 'string' } }, positionals: 1, run: summaryCommand },
  compare: { flags: { in: { type: 'string' }, out: { type: 'string' }, kernel: { type: 'string' }, input: { type: 'string' }, stride: { type: 'string' }, padding: { type: 'string' } }, positionals: 0, run: compareCommand },
  rf: { flags: { kernel: { type: 'string' }, dilation: { type: 'string' }, stride: { type: 'string' } }, positionals: 0, run: rfCommand },
};

function main(argv: string[]): number {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(HELP[''] + '\n');
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  try {
    if (command === undefined) throw new UsageError(`convkit: unknown command '${name}'; expected one of ${Object.keys(COMMANDS).join(', ')} (see convkit --help)`);
    const { values, positionals } = parse(name, rest, command.flags, command.positionals);
    if (values.help === true) {
      process.stdout.write(HELP[name] + '\n');
      return 0;
    }
    const output = command.run(values, positionals);
    process.stdout.write((values.json === true ? JSON.stringify(output.json, null, 2) : output.text) + '\n');
    return 0;
  } catch (e) {
    if (e instanceof UsageError || e instanceof ConvkitArgumentError) {
      process.stderr.write(`${e instanceof UsageError ? '' : `convkit ${name}: `}${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

process.exitCode = main(process.argv.slice(2));
