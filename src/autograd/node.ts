/**
 * A node of the graph: the backward function of one op application (PyTorch's `grad_fn`), with an
 * edge to each differentiable input. Ops create them through `record`.
 */
import type { Tensor } from '../tensor.js';

/**
 * Maps the gradient of an op's output to the gradients of its inputs, computing only those that `needs`
 * marks (the others may be null), as PyTorch's derivative formulas run only for inputs that require grad.
 */
export type BackwardFn = (gradOutput: Tensor, needs: readonly boolean[]) => Array<Tensor | null>;

export class Node {
  /** PyTorch's name for the backward function, e.g. `'ConvolutionBackward0'`. */
  readonly name: string;
  /**
   * Where each input's gradient goes, in the op's input order: the input's own node (a computed
   * tensor), the input itself (a leaf that requires grad: the gradient accumulates into its `grad`), or
   * null (no gradient wanted).
   */
  readonly next: ReadonlyArray<Node | Tensor | null>;
  /** The shape of the op's output, which the incoming gradient must have. */
  readonly shape: readonly number[];
  private fn: BackwardFn | null;
  /** Whether the backward function holds saved tensors, which a backward pass frees. */
  private readonly saves: boolean;

  constructor(name: string, next: ReadonlyArray<Node | Tensor | null>, shape: readonly number[], fn: BackwardFn, saves: boolean) {
    this.name = name;
    this.next = next;
    this.shape = shape;
    this.fn = fn;
    this.saves = saves;
  }

  /** The inputs' gradients from the output's; throws once the saved tensors have been freed. */
  apply(gradOutput: Tensor): Array<Tensor | null> {
    if (this.fn === null) {
      throw new Error(
        'backward: trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). '
        + 'Saved intermediate values of the graph are freed when you call backward(). Specify { retainGraph: true } if you need to backward '
        + 'through the graph a second time',
      );
    }
    return this.fn(gradOutput, this.next.map((edge) => edge !== null));
  }

  /** Drops the saved tensors (after a backward pass without `retainGraph`); a node that saved none stays usable, as in PyTorch. */
  release(): void {
    if (this.saves) this.fn = null;
  }
}
