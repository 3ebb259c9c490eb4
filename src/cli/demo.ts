/** `convkit demo`: the tutorial's four examples with their costs (what `npm start` runs). */
import { formatTutorial, tutorialExamples } from '../demo/tutorial.js';
import type { Command } from './command.js';

export const demoCommand: Command = {
  synopsis: 'demo                                   the tutorial\'s four examples, with their costs',
  help: `usage: convkit demo [--json]

Runs the tutorial's four examples (pointwise, dilated, grouped, depthwise-separable) and prints each
layer's output shape, parameters, MACs and FLOPs beside the standard convolution it replaces.`,
  flags: {},
  positionals: 0,
  run() {
    const examples = tutorialExamples();
    return { text: formatTutorial(examples), json: examples };
  },
};
