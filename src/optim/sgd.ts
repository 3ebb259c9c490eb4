/** Stochastic gradient descent with momentum, as PyTorch 1.13's `torch.optim.SGD`. */
import { argError, show } from '../errors.js';
import { Tensor } from '../tensor.js';
import { fma32 } from './float32.js';
import { checkBoolean, checkNumber, Optimizer, optionsOver, REQUIRED, type ParamGroup, type ParamState } from './optimizer.js';

/** SGD's options; `lr` has no default (torch's `required`): give it here or in every group. */
export interface SGDOptions {
  lr?: number;
  /** Momentum factor (default 0). */
  momentum?: number;
  /** Dampening for momentum (default 0). */
  dampening?: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay?: number;
  /** Nesterov momentum (default false); needs a momentum and zero dampening. */
  nesterov?: boolean;
  /** Ascend the objective instead (default false). */
  maximize?: boolean;
}

/** A parameter group of SGD: its parameters and every SGD option (see SGDOptions). */
export interface SGDParamGroup extends ParamGroup {
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
}

/**
 * The options' checks, in torch's order and with its messages; without `ranges` only their kinds (a loaded
 * state dict's options, which torch takes as they are: a schedule may have made an lr negative).
 */
function checkOptions(where: string, o: Record<string, unknown>, ranges = true): void {
  if (o.lr !== REQUIRED && checkNumber(where, 'lr', o.lr) < 0 && ranges) throw argError(where, `Invalid learning rate: ${show(o.lr)}`);
  if (checkNumber(where, 'momentum', o.momentum) < 0 && ranges) throw argError(where, `Invalid momentum value: ${show(o.momentum)}`);
  if (checkNumber(where, 'weightDecay', o.weightDecay) < 0 && ranges) throw argError(where, `Invalid weight_decay value: ${show(o.weightDecay)}`);
  checkNumber(where, 'dampening', o.dampening);
  checkBoolean(where, 'maximize', o.maximize);
  if (checkBoolean(where, 'nesterov', o.nesterov) && ranges && ((o.momentum as number) <= 0 || o.dampening !== 0)) {
    throw argError(where, 'Nesterov momentum requires a momentum and zero dampening');
  }
}

/**
 * SGD, updating each parameter as torch 1.13's single-tensor path does, in float32 with its rounding:
 * `g = grad (negated if maximize) + weightDecay * p`; with momentum, `buf = g` on the first step and
 * `buf = momentum * buf + (1 - dampening) * g` after, then `g = g + momentum * buf` (nesterov) or `g = buf`;
 * `p = p - lr * g`.
 *
 * Its state dict holds `momentum_buffer` for each parameter that has taken a step: a Tensor, or null
 * when the group's momentum is 0, as torch's does.
 *
 * Every group's options are checked as torch checks only the constructor's (torch 1.13 takes any value
 * in a group); non-finite numbers are refused.
 */
export class SGD extends Optimizer<SGDParamGroup> {
  protected readonly torchOnlyOptions = { foreach: null, differentiable: false };

  /**
   * @param params `model.parameters()` or any iterable of Tensors, or of groups `{ params, ...options }`
   * @throws as torch: `Invalid learning rate: -1`, `Nesterov momentum requires a momentum and zero dampening`, ...
   */
  constructor(params: Iterable<Tensor> | Iterable<{ params: Tensor | Iterable<Tensor>; [option: string]: unknown }>, options?: SGDOptions) {
    const defaults = optionsOver('SGD', { lr: REQUIRED, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false }, options);
    checkOptions('SGD', defaults);
    super('SGD', params, defaults);
  }

  protected checkGroup(group: SGDParamGroup, ranges: boolean): void {
    checkOptions(this.where, group, ranges);
  }

  protected loadParamState(param: Tensor, saved: Record<string, unknown>, _group: SGDParamGroup, index: number): ParamState {
    const buffer = saved.momentum_buffer;
    return { momentum_buffer: buffer === undefined || buffer === null ? null : this.loadedTensor(param, saved, 'momentum_buffer', index) };
  }

  step(): void {
    for (const group of this.paramGroups) {
      const { momentum, dampening, weightDecay, nesterov, maximize } = group;
      const decay = Math.fround(weightDecay);
      const mu = Math.fround(momentum);
      const keep = Math.fround(1 - dampening);
      const negLr = Math.fround(-group.lr);
      for (const p of group.params) {
        if (p.grad === null) continue;
        let state = this.state.get(p);
        if (state === undefined) this.state.set(p, (state = { momentum_buffer: null }));
        const x = p.data;
        const grad = p.grad.data;
        const first = momentum !== 0 && state.momentum_buffer === null;
        if (first) state.momentum_buffer = new Tensor(new Float32Array(x.length), p.shape);
        // With momentum 0 a loaded buffer is kept as it is, as torch keeps it
        const buf = momentum !== 0 ? state.momentum_buffer!.data : null;
        for (let i = 0; i < x.length; i++) {
          let g = maximize ? -grad[i] : grad[i];
          if (weightDecay !== 0) g = fma32(decay, x[i], g);
          if (buf !== null) {
            const b = first ? g : fma32(keep, g, Math.fround(buf[i] * mu));
            buf[i] = b;
            g = nesterov ? fma32(mu, b, g) : b;
          }
          x[i] = fma32(negLr, g, x[i]);
        }
        p.markChanged();
      }
    }
  }
}
