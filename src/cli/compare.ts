/** `convkit compare`: a layer's standard, grouped, depthwise and depthwise-separable variants. */
import { compare, formatCompare } from '../analysis/compare.js';
import { inputShape, int, required } from './args.js';
import type { Command } from './command.js';

export const compareCommand: Command = {
  synopsis: `compare --in C --out C --kernel K --input N,C,H,W
                                         standard, grouped, depthwise and depthwise-separable variants`,
  help: `usage: convkit compare --in C_in --out C_out --kernel K --input N,C,H,W [--stride S] [--padding P] [--json]

Counts parameters and MACs of the standard convolution and of its grouped (every G dividing both channel
counts), depthwise and depthwise-separable variants; padding defaults to K // 2.`,
  flags: { in: { type: 'string' }, out: { type: 'string' }, kernel: { type: 'string' }, input: { type: 'string' }, stride: { type: 'string' }, padding: { type: 'string' } },
  positionals: 0,
  run(values) {
    const result = compare({
      inChannels: int('compare', 'in', required('compare', values, 'in'), 1),
      outChannels: int('compare', 'out', required('compare', values, 'out'), 1),
      kernelSize: int('compare', 'kernel', required('compare', values, 'kernel'), 1),
      inputShape: inputShape('compare', required('compare', values, 'input')),
      stride: typeof values.stride === 'string' ? int('compare', 'stride', values.stride, 1) : undefined,
      padding: typeof values.padding === 'string' ? int('compare', 'padding', values.padding, 0) : undefined,
    });
    return { text: formatCompare(result), json: result };
  },
};
