/** AdamW, as PyTorch 1.13's `torch.optim.AdamW`. */
import { Adam } from './adam.js';

/**
 * Adam with decoupled weight decay, as torch 1.13's `AdamW`: each step first scales the parameter by
 * `1 - lr * weightDecay` (weightDecay defaults to 1e-2), then takes Adam's step without adding weight
 * decay to the gradient. State and state dicts as Adam's.
 */
export class AdamW extends Adam {
  protected static override readonly defaultWeightDecay: number = 1e-2;
  protected static override readonly label: string = 'AdamW';
  protected override readonly torchOnlyOptions: Readonly<Record<string, unknown>> = { foreach: null, capturable: false };
  protected override readonly decoupled = true;
}
