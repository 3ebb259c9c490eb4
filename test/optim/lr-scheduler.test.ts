import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Adam, ConvkitArgumentError, CosineAnnealingLR, OneCycleLR, SGD, StepLR, zeros, type LRScheduler, type Optimizer } from '../../src/index.js';

function sgd(lrs: number[]): SGD {
  return new SGD(lrs.map((lr) => ({ params: [zeros([1]).requiresGrad_()], lr })), { lr: 1, momentum: 0.9 });
}

function throwsArg(run: () => unknown, message: RegExp): void {
  assert.throws(run, (e: unknown) => e instanceof ConvkitArgumentError && message.test(e.message));
}

test("construction records initialLr in each group and takes the first step (lastEpoch 0); getLastLr is the groups' lr", () => {
  const opt = sgd([0.1, 0.2]);
  const sched = new StepLR(opt, { stepSize: 2, gamma: 0.5 });
  assert.equal(sched.lastEpoch, 0);
  assert.deepEqual(opt.paramGroups.map((g) => g.initialLr), [0.1, 0.2]);
  assert.deepEqual(sched.getLastLr(), [0.1, 0.2]);
  sched.getLastLr()[0] = 7;
  assert.deepEqual(sched.getLastLr(), [0.1, 0.2]);
  sched.step();
  sched.step();
  assert.equal(sched.lastEpoch, 2);
  assert.deepEqual(sched.getLastLr(), opt.paramGroups.map((g) => g.lr));
  assert.deepEqual(opt.stateDict().param_groups.map((g) => g.initial_lr), [0.1, 0.2]);
});

test('resuming (lastEpoch >= 0) needs initialLr in every group; bad options are refused', () => {
  throwsArg(() => new CosineAnnealingLR(sgd([0.1]), { tMax: 10, lastEpoch: 3 }), /param 'initial_lr' is not specified in param_groups\[0\] when resuming an optimizer/);
  throwsArg(() => new StepLR(sgd([0.1]), { stepSize: 0 }), /stepSize must be a positive integer/);
  throwsArg(() => new CosineAnnealingLR(sgd([0.1]), { tMax: 0 }), /tMax must be positive/);
  throwsArg(() => new StepLR({} as Optimizer, { stepSize: 1 }), /is not an Optimizer/);
  throwsArg(() => new OneCycleLR(sgd([0.1]), { maxLr: 1 }), /You must define either total_steps OR \(epochs AND steps_per_epoch\)/);
  throwsArg(() => new OneCycleLR(sgd([0.1, 0.2]), { maxLr: [1], totalSteps: 5 }), /expected 2 values for max_lr, got 1/);
  throwsArg(() => new OneCycleLR(sgd([0.1]), { maxLr: 1, totalSteps: 5, threeKPhase: true } as never), /unexpected option 'threeKPhase'/);
});

test('OneCycleLR steps totalSteps times after construction and throws on the next; with Adam it cycles betas[0] only', () => {
  const opt = new Adam([zeros([1]).requiresGrad_()], { betas: [0.9, 0.99] });
  const sched = new OneCycleLR(opt, { maxLr: 0.01, totalSteps: 4 });
  assert.deepEqual(opt.paramGroups[0].betas, [0.95, 0.99]);
  const seen = new Set<number>();
  for (let k = 0; k < 4; k++) {
    sched.step();
    seen.add((opt.paramGroups[0].betas as number[])[0]);
    assert.equal((opt.paramGroups[0].betas as number[])[1], 0.99);
  }
  assert.ok(seen.size > 1);
  throwsArg(() => sched.step(), /^OneCycleLR: Tried to step 6 times\. The specified number of total steps is 4$/);
});

test("a schedule's state dict (torch's keys) loaded into a fresh one continues the same rates", () => {
  const makers: Array<(opt: Optimizer) => LRScheduler> = [
    (opt) => new CosineAnnealingLR(opt, { tMax: 5, etaMin: 0.001 }),
    (opt) => new OneCycleLR(opt, { maxLr: [0.5, 1], totalSteps: 12, threePhase: true, annealStrategy: 'linear' }),
    (opt) => new StepLR(opt, { stepSize: 3 }),
  ];
  for (const make of makers) {
    const opt = sgd([0.1, 0.3]);
    const sched = make(opt);
    for (let k = 0; k < 4; k++) sched.step();
    const saved = { opt: opt.stateDict(), sched: sched.stateDict() };
    assert.ok(['last_epoch', 'base_lrs', '_step_count', '_last_lr'].every((key) => key in saved.sched));
    const opt2 = sgd([9, 9]);
    const sched2 = make(opt2);
    opt2.loadStateDict(saved.opt);
    sched2.loadStateDict(saved.sched);
    for (let k = 0; k < 6; k++) {
      sched.step();
      sched2.step();
      assert.deepEqual(sched2.getLastLr(), sched.getLastLr());
      assert.deepEqual(opt2.paramGroups.map((g) => g.momentum), opt.paramGroups.map((g) => g.momentum));
    }
  }
  throwsArg(() => new StepLR(sgd([0.1]), { stepSize: 1 }).loadStateDict({ T_max: 3 }), /unexpected key 'T_max'/);
});
