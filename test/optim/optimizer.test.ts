import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Adam, AdamW, ConvkitArgumentError, mul, SGD, Tensor, tensor, zeros, type Optimizer } from '../../src/index.js';

function param(values: number[]): Tensor {
  return tensor(values).requiresGrad_();
}

function throwsArg(run: () => unknown, message: RegExp): void {
  assert.throws(run, (e: unknown) => e instanceof ConvkitArgumentError && message.test(e.message));
}

test('zeroGrad fills gradients with zeros by default (torch 1.13) or sets them to null; a step skips a null grad only', () => {
  const [a, b] = [param([1, 2]), param([3])];
  const opt = new SGD([a, b], { lr: 0.5 });
  a.grad = tensor([1, 1]);
  const kept = a.grad;
  opt.zeroGrad();
  assert.equal(a.grad, kept);
  assert.deepEqual(Array.from(kept.data), [0, 0]);
  assert.equal(b.grad, null);
  a.grad = tensor([2, -2]);
  opt.step();
  assert.deepEqual(Array.from(a.data), [0, 3]);
  assert.deepEqual(Array.from(b.data), [3]);
  assert.deepEqual(Object.keys(opt.stateDict().state), ['0']);
  opt.zeroGrad(true);
  assert.equal(a.grad, null);
  opt.step();
  assert.deepEqual(Array.from(a.data), [0, 3]);
});

test('params must be an iterable of leaf Tensors or of groups, each parameter in one place', () => {
  const p = param([1]);
  throwsArg(() => new SGD(p as never, { lr: 1 }), /^SGD: params argument given to the optimizer should be an iterable of Tensors or dicts/);
  throwsArg(() => new Adam([]), /optimizer got an empty parameter list/);
  throwsArg(() => new Adam([mul(p, 2)]), /can't optimize a non-leaf Tensor/);
  throwsArg(() => new Adam([p, 3] as never), /optimizer can only optimize Tensors, but one of the params is 3/);
  throwsArg(() => new Adam([p, p]), /duplicate parameters/);
  throwsArg(() => new Adam([{ params: [p] }, { params: p }]), /some parameters appear in more than one parameter group/);
  throwsArg(() => new Adam([{ params: new Set([p]) }]), /ordered collections/);
  throwsArg(() => new SGD([{ params: [p] }]), /didn't specify a value of required optimization parameter lr/);
  throwsArg(() => new Adam([p], { weight_decay: 0.1 } as never), /unexpected option 'weight_decay'/);
  throwsArg(() => new Adam([p], { betas: [0.9] as never }), /betas must be a pair/);
  throwsArg(() => new SGD([p], { lr: Number.NaN }), /lr must be a finite number/);
  throwsArg(() => new SGD([p], { lr: 1, nesterov: 1 as never }), /nesterov must be true or false/);
});

test("groups take the defaults they leave out; addParamGroup adds one; the state dict numbers parameters across groups with torch's keys", () => {
  const [a, b, c] = [param([1]), param([2, 3]), param([4])];
  const opt = new SGD([{ params: [a], lr: 0.5 }, { params: b, momentum: 0.9 }], { lr: 0.1, weightDecay: 0.01 });
  opt.addParamGroup({ params: [c], dampening: 0.5 });
  assert.deepEqual(opt.paramGroups.map((g) => [g.lr, g.momentum, g.dampening, g.weightDecay]), [[0.5, 0, 0, 0.01], [0.1, 0.9, 0, 0.01], [0.1, 0, 0.5, 0.01]]);
  for (const p of [a, b, c]) p.grad = zeros([...p.shape]);
  opt.step();
  const sd = opt.stateDict();
  assert.deepEqual(sd.param_groups.map((g) => g.params), [[0], [1], [2]]);
  assert.deepEqual(Object.keys(sd.param_groups[0]).sort(), ['dampening', 'differentiable', 'foreach', 'lr', 'maximize', 'momentum', 'nesterov', 'params', 'weight_decay']);
  // momentum 0 keeps no buffer: torch stores None
  assert.equal(sd.state[0].momentum_buffer, null);
  assert.ok(sd.state[1].momentum_buffer instanceof Tensor);
  throwsArg(() => opt.addParamGroup({ params: [a] }), /more than one parameter group/);
});

/** Three Adam steps on fixed gradients, optionally saving and loading the state dict into a fresh optimiser after the first. */
function runThreeSteps(reload: boolean, make: (p: Tensor[]) => Optimizer): Float32Array[] {
  const ps = [param([0.5, -1, 2]), param([3])];
  let opt = make(ps);
  for (let k = 0; k < 3; k++) {
    ps[0].grad = tensor([0.1 * k - 0.2, 0.3, -0.05 * k]);
    ps[1].grad = tensor([k + 0.5]);
    opt.step();
    if (reload && k === 0) {
      const saved = opt.stateDict();
      opt = make(ps);
      opt.loadStateDict(saved);
    }
  }
  return ps.map((p) => p.data);
}

test('a state dict loaded into a fresh optimiser continues the run exactly (Adam with amsgrad, SGD with nesterov)', () => {
  const makers = [
    (ps: Tensor[]) => new AdamW(ps, { amsgrad: true, lr: 0.01 }),
    (ps: Tensor[]) => new SGD(ps, { lr: 0.1, momentum: 0.9, nesterov: true }),
  ];
  for (const make of makers) assert.deepEqual(runThreeSteps(true, make), runThreeSteps(false, make));
});

test("Adam's step is a 0-d float32 Tensor in the state dict; loading also takes a number", () => {
  const p = param([1, 2]);
  const opt = new Adam([p]);
  p.grad = tensor([1, 1]);
  opt.step();
  opt.step();
  const sd = opt.stateDict();
  const step = sd.state[0].step as Tensor;
  assert.deepEqual([step.shape, step.data[0]], [[], 2]);
  const other = new Adam([param([1, 2])]);
  other.loadStateDict({ ...sd, state: { 0: { ...sd.state[0], step: 2 } } });
  assert.deepEqual((other.stateDict().state[0].step as Tensor).data[0], 2);
});

test("loadStateDict checks groups, sizes and shapes with torch's messages and changes nothing when it throws", () => {
  const [a, b] = [param([1, 2]), param([3])];
  const opt = new Adam([a, b], { lr: 0.1 });
  a.grad = tensor([1, 1]);
  opt.step();
  const sd = opt.stateDict();
  const fresh = new Adam([{ params: [a] }, { params: [b] }]);
  throwsArg(() => fresh.loadStateDict(sd), /^Adam: loaded state dict has a different number of parameter groups$/);
  const single = new Adam([param([1, 2])]);
  throwsArg(() => single.loadStateDict(sd), /loaded state dict contains a parameter group that doesn't match the size of optimizer's group/);
  const swapped = new Adam([param([1]), param([3, 4])], { lr: 0.5 });
  throwsArg(() => swapped.loadStateDict(sd), /exp_avg of shape \[2\] for a parameter of shape \[1\]/);
  assert.equal(swapped.paramGroups[0].lr, 0.5);
  assert.deepEqual(Object.keys(swapped.stateDict().state), []);
  throwsArg(() => opt.loadStateDict({ ...sd, state: { 7: sd.state[0] } }), /state for parameter 7/);
});
