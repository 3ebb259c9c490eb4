/**
 * The backward pass: from a tensor's node, each node once, in an order where every node runs after all
 * the nodes that feed it a gradient (reverse topological order), summing the gradients that meet at a
 * node and accumulating those that reach a leaf into its `grad`, as PyTorch's engine does.
 */
import { argError, show } from '../errors.js';
import { sameShape, Tensor } from '../tensor.js';
import { noGrad } from './grad-mode.js';
import { Node } from './node.js';

export interface BackwardOptions {
  /** Keep the saved tensors so that the graph can be run backward again. Default false. */
  retainGraph?: boolean;
}

export function runBackward(root: Tensor, gradient: Tensor | undefined, options: BackwardOptions = {}): void {
  const where = 'backward';
  if (!root.requiresGrad) throw argError(where, 'element 0 of tensors does not require grad and does not have a grad_fn');
  if (options === null || typeof options !== 'object') throw argError(where, `options must be an object, got ${show(options)}`);
  let seed: Tensor;
  if (gradient === undefined || gradient === null) {
    if (root.numel !== 1) throw argError(where, `grad can be implicitly created only for scalar outputs (output of shape ${show(root.shape)})`);
    seed = new Tensor(Float32Array.of(1), root.shape);
  } else {
    if (!(gradient instanceof Tensor)) throw argError(where, `gradient must be a Tensor, got ${show(gradient)}`);
    if (!sameShape(gradient.shape, root.shape)) {
      throw argError(where, `mismatch in shape: gradient has a shape of ${show(gradient.shape)} and the output has a shape of ${show(root.shape)}`);
    }
    seed = gradient;
  }
  noGrad(() => {
    if (root.gradFn === null) accumulate(root, seed);
    else propagate(root.gradFn, seed, options.retainGraph === true);
  });
}

function propagate(start: Node, seed: Tensor, retainGraph: boolean): void {
  const order = topologicalOrder(start);
  const pending = new Map<Node, Tensor>([[start, seed]]);
  for (const node of order) {
    const gradOutput = pending.get(node);
    pending.delete(node);
    if (gradOutput === undefined) continue; // every path to it carried no gradient
    const grads = node.apply(gradOutput);
    if (!retainGraph) node.release();
    node.next.forEach((edge, i) => {
      const grad = grads[i];
      if (edge === null || grad === null || grad === undefined) return;
      if (edge instanceof Node) {
        const sum = pending.get(edge);
        pending.set(edge, sum === undefined ? grad : added(sum, grad));
      } else if (edge.requiresGrad) { // a leaf unmarked since the op ran gets nothing, as torch's AccumulateGrad
        // a leaf may keep a gradient whose memory nothing else holds: not the incoming one (or a view of
        // it, as add and reshape pass on) nor one this node hands to another edge
        const owned = grad.data.buffer !== gradOutput.data.buffer && grad.data.buffer !== seed.data.buffer &&
          grads.every((other, j) => j === i || other?.data.buffer !== grad.data.buffer);
        accumulate(edge, grad, owned);
      }
    });
  }
}

/** The nodes reachable from `start`, each after every node with an edge to it (iterative: graphs can be deep). */
function topologicalOrder(start: Node): Node[] {
  const postorder: Node[] = [];
  const seen = new Set<Node>([start]);
  const stack: Array<{ node: Node; edge: number }> = [{ node: start, edge: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.edge === top.node.next.length) {
      postorder.push(top.node);
      stack.pop();
      continue;
    }
    const next = top.node.next[top.edge++];
    if (next instanceof Node && !seen.has(next)) {
      seen.add(next);
      stack.push({ node: next, edge: 0 });
    }
  }
  return postorder.reverse();
}

/** A new tensor `a + b`: gradients may be shared between edges, so none is changed in place. */
function added(a: Tensor, b: Tensor): Tensor {
  const out = new Float32Array(a.numel);
  for (let i = 0; i < out.length; i++) out[i] = a.data[i] + b.data[i];
  return new Tensor(out, a.shape);
}

/**
 * Adds `grad` into a leaf's `grad`. A first gradient is kept as it is where the leaf may own its memory
 * (`owned`), else copied: the leaf's `grad` shares its data with no other tensor.
 */
function accumulate(leaf: Tensor, grad: Tensor, owned = false): void {
  const current = leaf.grad;
  if (current === null) {
    leaf.grad = new Tensor(owned ? grad.data : grad.data.slice(), leaf.shape);
    return;
  }
  for (let i = 0; i < current.numel; i++) current.data[i] += grad.data[i];
}
