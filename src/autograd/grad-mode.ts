/** Whether ops record the graph: on by default, off inside `noGrad`, as `torch.no_grad()`. */
import { argError, show } from '../errors.js';

let enabled = true;

/** Whether ops now record what `backward` needs (false inside `noGrad`), like `torch.is_grad_enabled()`. */
export function isGradEnabled(): boolean {
  return enabled;
}

/**
 * Runs `fn` with gradient recording off, like `with torch.no_grad():`: ops inside record no graph, so
 * their outputs do not require grad and keep nothing alive for a backward pass (inference, optimiser
 * steps). Restores the previous mode afterwards, even if `fn` throws.
 *
 * @example
 * const y = noGrad(() => model.forward(x)); // y.requiresGrad === false
 */
export function noGrad<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw argError('noGrad', `fn must be a function, got ${show(fn)}`);
  const previous = enabled;
  enabled = false;
  try {
    return fn();
  } finally {
    enabled = previous;
  }
}
