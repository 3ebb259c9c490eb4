/** How an op joins the graph: one call after it has computed its output. */
import type { Tensor } from '../tensor.js';
import { isGradEnabled } from './grad-mode.js';
import { Node, type BackwardFn } from './node.js';

/** Whether an op on these inputs records a node: grad mode is on and some input requires grad. */
export function needsGrad(...inputs: ReadonlyArray<Tensor | null | undefined>): boolean {
  return isGradEnabled() && inputs.some((t) => t?.requiresGrad === true);
}

/**
 * Makes `output` the result of a differentiable op on `inputs`: where `needsGrad`, attaches a node
 * whose `backward` maps the output's gradient to the inputs'. `saves` says whether `backward` holds
 * tensors that a backward pass frees (PyTorch's saved variables); an op that saves none, like `add`,
 * can be run backward again without `retainGraph`. Returns `output`.
 */
export function record(name: string, inputs: ReadonlyArray<Tensor | null>, output: Tensor, backward: BackwardFn, saves = true): Tensor {
  if (!needsGrad(...inputs)) return output;
  const next = inputs.map((t) => (t === null || !t.requiresGrad ? null : t.gradFn ?? t));
  (output as { gradFn: Node | null }).gradFn = new Node(name, next, output.shape, backward, saves);
  return output;
}
