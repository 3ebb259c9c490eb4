import { checkDropoutProbability, dropout } from '../ops/dropout.js';
import { checkOptions } from '../ops/args.js';
import { argError, show } from '../errors.js';
import { defaultGenerator, Generator } from '../random.js';
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';

export interface DropoutModuleOptions {
  /** Draw the masks from this generator instead of the default one. */
  generator?: Generator;
}

/** A probability as Python's `repr` writes the float (`0.5`, `1.0`, `1e-05`), as torch's `extra_repr` prints `p`. */
function pythonFloat(p: number): string {
  const [mantissa, exponent] = p.toExponential().split('e');
  if (p !== 0 && Number(exponent) < -4) return `${mantissa}e-${exponent.slice(1).padStart(2, '0')}`;
  return Number.isInteger(p) ? `${p}.0` : String(p);
}

/**
 * Zeroes each element with probability `p` in training mode and scales the rest by `1 / (1 - p)`, like
 * `nn.Dropout(p=0.5)`; in evaluation mode (`eval()`) it returns its input itself. Masks come from the
 * seeded generator, one draw per element (see {@link dropout}: not torch's masks for the same seed).
 * `inplace` is not supported.
 * @example
 * const drop = new Dropout(0.2);
 * drop.eval().forward(x) === x; // true
 */
export class Dropout extends Module {
  readonly p: number;
  private readonly generator: Generator;

  constructor(p = 0.5, options: DropoutModuleOptions = {}) {
    super();
    checkOptions('Dropout', options, ['generator']);
    this.p = checkDropoutProbability('Dropout', p);
    const generator = options.generator ?? defaultGenerator;
    if (!(generator instanceof Generator)) throw argError('Dropout', `generator must be a Generator, got ${show(generator)}`);
    this.generator = generator;
  }

  forward(input: Tensor): Tensor {
    return dropout(input, { p: this.p, training: this.training, generator: this.generator });
  }

  toJSON(): object {
    return { type: 'Dropout', p: this.p };
  }

  override outputShape(inputShape: readonly number[]): number[] {
    return [...inputShape];
  }

  protected override extraRepr(): string {
    return `p=${pythonFloat(this.p)}, inplace=False`;
  }
}
