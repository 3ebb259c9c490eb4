/** `convkit rf`: the receptive field and coverage map of a dilated stack, with the HDC rule. */
import { coverageMap, formatCoverage, hdc, MAX_COVERAGE_POSITIONS, receptiveFields, type SpatialLayer } from '../analysis/receptive-field.js';
import { intList, required, UsageError } from './args.js';
import type { Command } from './command.js';

/** The widest map drawn (or given as counts with --json): a larger one is summarised in a line. */
export const MAX_DRAWN = 100;

export const rfCommand: Command = {
  synopsis: 'rf --kernel K --dilation R1,R2,...     receptive field and coverage map of a dilated stack, with the HDC rule',
  help: `usage: convkit rf --kernel K --dilation R1,R2,... [--stride S1,S2,...] [--json]

A stack of KxK convolutions with those dilation rates (and strides, default 1): the receptive field after
each layer, the coverage map of one output position ('#' reached, '.' a hole), and Wang et al.'s HDC rule.
--kernel takes one size for every layer or one per layer. Maps up to ${MAX_DRAWN}x${MAX_DRAWN} are drawn (and given
as counts with --json); larger ones, up to ${MAX_COVERAGE_POSITIONS} positions, are summarised by their holes.`,
  flags: { kernel: { type: 'string' }, dilation: { type: 'string' }, stride: { type: 'string' } },
  positionals: 0,
  run(values) {
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
    const drawn = map.size[0] <= MAX_DRAWN && map.size[1] <= MAX_DRAWN;
    const sameKernel = new Set(layers.map((l) => l.kernel[0])).size === 1;
    const rule = sameKernel && strides.every((s) => s === 1) && layers[0].kernel[0] >= 2 ? hdc(layers[0].kernel[0], rates) : null;
    const lines = ['layer  kernel  dilation  k_eff  stride  receptive field  jump'];
    layers.forEach((l, i) => {
      const keff = (l.kernel[0] - 1) * l.dilation[0] + 1;
      lines.push(`${String(i + 1).padStart(5)}  ${String(l.kernel[0]).padStart(6)}  ${String(l.dilation[0]).padStart(8)}  ${String(keff).padStart(5)}  ${String(l.stride[0]).padStart(6)}  ${`${fields[i].size[0]}x${fields[i].size[1]}`.padStart(15)}  ${String(fields[i].jump[0]).padStart(4)}`);
    });
    const total = map.size[0] * map.size[1];
    lines.push('', drawn
      ? `coverage of one output position (${map.size[0]}x${map.size[1]}; '#' reached, '.' a hole):\n${formatCoverage(map)}`
      : `coverage of one output position: ${map.size[0]}x${map.size[1]}, not drawn (more than ${MAX_DRAWN} on a side)`);
    lines.push('', map.holes === 0 ? `no holes: every one of the ${total} positions is reached` : `gridding: ${map.holes} of ${total} positions are holes`);
    if (rule !== null) {
      const factor = rule.commonFactor === null ? 'none' : String(rule.commonFactor);
      lines.push(
        `HDC rule (Wang et al. 2018): M = [${rule.M.join(', ')}], goal M_2 <= K: ${rule.goalMet ? 'met' : 'not met'}; common factor: ${factor} -> ${rule.satisfied ? 'satisfied' : 'not satisfied'}`,
        rule.satisfied === (map.holes === 0) ? 'the coverage map agrees with the rule' : 'the coverage map disagrees with the rule (it is derived for stacks starting at rate 1)',
      );
    }
    const coverage = drawn ? map : { size: map.size, holes: map.holes };
    return { text: lines.join('\n'), json: { layers, receptiveFields: fields, coverage, hdc: rule } };
  },
};
