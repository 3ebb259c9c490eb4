/** `convkit summary`: a torchinfo-like table of a model written by `Sequential.toJSON()`. */
import { readFileSync } from 'node:fs';
import { formatSummary, summary } from '../analysis/summary.js';
import { Sequential } from '../nn/sequential.js';
import { inputShape, required, UsageError } from './args.js';
import type { Command } from './command.js';

export const summaryCommand: Command = {
  synopsis: 'summary MODEL.json --input N,C,H,W     a torchinfo-like table of a model written by Sequential.toJSON()',
  help: `usage: convkit summary MODEL.json --input N,C,H,W [--json]

MODEL.json is what Sequential.toJSON() writes, e.g.
  {"type": "Sequential", "layers": [{"type": "Conv2d", "inChannels": 3, "outChannels": 16, "kernelSize": 3, "padding": 1}, {"type": "ReLU"}]}
Prints each layer's arguments, output shape, parameters, MACs, receptive field and jump, then totals.`,
  flags: { input: { type: 'string' } },
  positionals: 1,
  run(values, positionals) {
    const file = positionals[0];
    if (file === undefined) throw new UsageError('convkit summary: MODEL.json is required (see convkit summary --help)');
    const input = inputShape('summary', required('summary', values, 'input'));
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new UsageError(`convkit summary: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    const s = summary(Sequential.fromJSON(text), input);
    return { text: formatSummary(s), json: s };
  },
};
