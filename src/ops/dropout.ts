/** `dropout`: torch's `F.dropout`, with masks drawn from convkit's seeded generator. */
import { argError, show } from '../errors.js';
import { defaultGenerator, Generator } from '../random.js';
import { Tensor } from '../tensor.js';
import { mul } from './arithmetic.js';
import { checkOptions, checkTensor } from './args.js';

export interface DropoutOptions {
  /** The probability of zeroing each element, in [0, 1]. Default 0.5. */
  p?: number;
  /** Drop only when true (the default); false returns the input itself, as in evaluation. */
  training?: boolean;
  /** Draw the mask from this generator instead of the default one. */
  generator?: Generator;
}

const OPTIONS = ['p', 'training', 'generator'];

/** Rejects a probability outside [0, 1] with torch's message; NaN too, which torch's `nn.Dropout` accepts and its forward rejects. */
export function checkDropoutProbability(where: string, p: unknown): number {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw argError(where, `dropout probability has to be between 0 and 1, but got ${show(p)}`);
  return p;
}

/**
 * Zeroes each element with probability `p` and scales the others by `1 / (1 - p)`, like
 * `torch.nn.functional.dropout(input, p, training)` on the CPU: the output is `input * noise` with noise
 * 0 or `1 / (1 - p)` in float32 (so a dropped inf or NaN gives NaN, a dropped negative -0, as in torch),
 * and the gradient is `grad * noise`. `p = 1` multiplies by 0 and draws nothing; `p = 0`, `training`
 * false or an empty input return `input` itself.
 *
 * The mask takes one `uniform()` draw from the generator per element in row-major order (kept where
 * the draw is below `1 - p`): a seed gives the same mask every time, but not torch's mask for the same
 * seed, whose Bernoulli stream convkit does not reproduce. Not in place: torch's `inplace` is not supported.
 * @example
 * dropout(ones([2, 4]), { p: 0.5, generator: new Generator(1) }).data; // each element 0 or 2
 */
export function dropout(input: Tensor, options: DropoutOptions = {}): Tensor {
  const where = 'dropout';
  checkTensor(where, 'input', input);
  checkOptions(where, options, OPTIONS);
  const p = checkDropoutProbability(where, options.p ?? 0.5);
  const training = options.training ?? true;
  if (typeof training !== 'boolean') throw argError(where, `training must be true or false, got ${show(training)}`);
  const generator = options.generator ?? defaultGenerator;
  if (!(generator instanceof Generator)) throw argError(where, `generator must be a Generator, got ${show(generator)}`);
  if (!training || p === 0 || input.numel === 0) return input;
  if (p === 1) return mul(input, 0);
  const keep = 1 - p;
  // torch divides a float32 noise tensor by the double 1 - p: float32 1 / float32(1 - p)
  const scale = Math.fround(1 / Math.fround(keep));
  const noise = new Float32Array(input.numel);
  for (let i = 0; i < noise.length; i++) noise[i] = generator.uniform() < keep ? scale : 0;
  return mul(input, new Tensor(noise, input.shape));
}
