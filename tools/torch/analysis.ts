/**
 * Live PyTorch check of convkit's cost and receptive-field analysis (part of `npm run test:torch`).
 *
 *   node --import tsx tools/torch/analysis.ts [--seed N] [--stacks 250] [--maps 150]
 *
 * Draws random model stacks (as Sequential.toJSON() writes them) with convkit's counts of parameters
 * and per-layer MACs, and random dilated/strided stacks with convkit's coverage map; then
 * tools/torch/analysis_check.py builds the same stacks in PyTorch and checks, independently:
 * parameters = sum(p.numel()), MACs from forward hooks on every nn.Conv2d (output numel x C_in/groups x kH x kW),
 * and the coverage map = the input gradient of one output position with all weights 1 (paths, exactly).
 * Last line: `N passed, M failed`; exit 0 only if all passed (2 if Python/torch is unusable).
 */
import { spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { summary } from '../../src/analysis/summary.js';
import { coverageMap, type SpatialLayer } from '../../src/analysis/receptive-field.js';
import { Conv2d, DepthwiseSeparableConv2d, Generator, ReLU, Sequential, type Module } from '../../src/index.js';

const PYTHON = process.env.CONVKIT_TORCH_PYTHON ?? '/usr/bin/python3';
const CHECKER = join(dirname(fileURLToPath(import.meta.url)), 'analysis_check.py');

const { values: args } = parseArgs({ options: { seed: { type: 'string' }, stacks: { type: 'string' }, maps: { type: 'string' } } });
const seed = args.seed === undefined ? randomInt(2 ** 31) : Number(args.seed);
const stackCount = Number(args.stacks ?? 250);
const mapCount = Number(args.maps ?? 150);
const g = new Generator(seed);
const int = (lo: number, hi: number) => lo + Math.floor(g.uniform() * (hi - lo + 1));
const pick = <T>(items: readonly T[]): T => items[int(0, items.length - 1)];
const divisors = (n: number) => Array.from({ length: n }, (_, i) => i + 1).filter((d) => n % d === 0);
const intOrPair = (lo: number, hi: number): number | [number, number] => (g.uniform() < 0.5 ? int(lo, hi) : [int(lo, hi), int(lo, hi)]);

function randomConv(cIn: number): Conv2d {
  const groups = pick(divisors(cIn));
  const cOut = groups * int(1, 4);
  const stride = intOrPair(1, 3);
  const strided = typeof stride === 'number' ? stride > 1 : stride.some((s) => s > 1);
  const padding = pick(['int', 'pair', 'valid', ...(strided ? [] : ['same'])]);
  return new Conv2d(cIn, cOut, intOrPair(1, 5), {
    stride, dilation: intOrPair(1, 3), groups, bias: g.uniform() < 0.7,
    padding: padding === 'int' ? int(0, 3) : padding === 'pair' ? [int(0, 3), int(0, 3)] : (padding as 'same' | 'valid'),
    paddingMode: pick(['zeros', 'zeros', 'reflect', 'replicate', 'circular'] as const),
    generator: g,
  });
}

/** A random stack of 1-5 layers and nested containers, with the channels it ends on. */
function randomStack(cIn: number, depth = 0): { model: Module[]; cOut: number } {
  const layers: Module[] = [];
  let c = cIn;
  for (let i = int(1, 5); i > 0; i--) {
    const kind = pick(['conv', 'conv', 'relu', 'separable', ...(depth < 2 ? ['nested'] : [])]);
    if (kind === 'conv') layers.push(randomConv(c));
    else if (kind === 'relu') layers.push(new ReLU());
    else if (kind === 'separable') layers.push(new DepthwiseSeparableConv2d(c, int(1, 8), intOrPair(1, 5), { padding: intOrPair(0, 2), stride: int(1, 2), dilation: int(1, 2), bias: g.uniform() < 0.7, generator: g }));
    else {
      const inner = randomStack(c, depth + 1);
      layers.push(new Sequential(...inner.model));
    }
    const last = layers[layers.length - 1];
    c = last instanceof Conv2d ? last.outChannels : last instanceof DepthwiseSeparableConv2d ? last.pointwise.outChannels : last instanceof Sequential ? channelsAfter(last, c) : c;
  }
  return { model: layers, cOut: c };
}

function channelsAfter(model: Sequential, cIn: number): number {
  return model.layers.reduce((c, l) => (l instanceof Conv2d ? l.outChannels : l instanceof DepthwiseSeparableConv2d ? l.pointwise.outChannels : l instanceof Sequential ? channelsAfter(l, c) : c), cIn);
}

const stacks = [];
while (stacks.length < stackCount) {
  const cIn = int(1, 8);
  const model = new Sequential(...randomStack(cIn).model);
  const inputShape = [int(1, 2), cIn, int(8, 40), int(8, 40)];
  if (g.uniform() < 0.2) inputShape.shift(); // unbatched
  let s;
  try {
    s = summary(model, inputShape);
  } catch {
    continue; // the drawn input is too small for this stack (or reflect padding too wide): draw again
  }
  const convRows = s.rows.filter((r) => r.type === 'Conv2d');
  stacks.push({ model: model.toJSON(), inputShape, parameters: s.totals.parameters, convMacs: convRows.map((r) => r.macs), outputShape: s.outputShape });
}

const maps = Array.from({ length: mapCount }, () => {
  const layers: SpatialLayer[] = Array.from({ length: int(1, 4) }, () => ({
    kernel: [int(1, 4), int(1, 4)], stride: g.uniform() < 0.7 ? [1, 1] : [int(1, 2), int(1, 2)], dilation: [int(1, 4), int(1, 4)], padding: [0, 0],
  }));
  const map = coverageMap(layers);
  return { layers, size: map.size, counts: map.counts };
});

if (!existsSync(PYTHON)) {
  console.error(`error: ${PYTHON} not found; this check needs PyTorch (Debian: apt install python3-torch) or CONVKIT_TORCH_PYTHON`);
  process.exit(2);
}
const dir = mkdtempSync(join(tmpdir(), 'convkit-analysis-'));
const file = join(dir, 'cases.json');
writeFileSync(file, JSON.stringify({ seed, stacks, maps }));
console.log(`convkit analysis vs PyTorch, seed ${seed} (reproduce: node --import tsx tools/torch/analysis.ts --seed ${seed} --stacks ${stackCount} --maps ${mapCount})`);
const result = spawnSync(PYTHON, [CHECKER, file], { stdio: 'inherit' });
rmSync(dir, { recursive: true, force: true });
process.exit(result.status ?? 2);
