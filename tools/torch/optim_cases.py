"""Random optimiser and learning-rate schedule runs in PyTorch, for convkit's src/optim/.

    /usr/bin/python3 tools/torch/optim_cases.py                      # test/fixtures/torch-optim.json
    /usr/bin/python3 tools/torch/optim_cases.py --seed N --optimizers 200 --schedules 100 --errors 60 --out DIR
                                                                     # DIR/random-optim.json (live suite)

Each case is drawn from its own seed, so a file is the same on every run. Kinds (format in
test/support/optim-cases.ts):

* ``optimizer``: SGD / Adam / AdamW with random options (every combination of momentum, dampening,
  nesterov, weight decay, amsgrad, maximize, options left to their defaults), sometimes in several
  parameter groups overriding some options; a few parameters of random shapes and, each step, random
  gradients (sometimes None for a parameter: it is skipped). Records the parameters after every step,
  the state dict after step ``resumeAt`` (convkit loads it into a fresh optimiser and continues) and
  the final state dict.
* ``schedule``: StepLR / CosineAnnealingLR / OneCycleLR over SGD or Adam groups: every group's lr and
  momentum (SGD's momentum, Adam's betas[0]) after construction and each step, the scheduler's and
  optimiser's state dicts at ``resumeAt``, and the error torch raised at a step, if any (OneCycleLR
  stepped past total_steps, or a phase of no steps).
* ``optimizer_error`` / ``schedule_error``: configurations torch rejects, with its message; ``match``
  says whether convkit mirrors the message (ValueError / KeyError texts) or only has to throw.
"""

import argparse
import base64
import copy
import json
import math
import os
import random
import sys
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from caselib import ensure_stable_environment, import_torch  # noqa: E402

FORMAT = "convkit-optim-cases"
FORMAT_VERSION = 1
HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "..", "..", "test", "fixtures", "torch-optim.json")
CAMEL = {"weight_decay": "weightDecay", "T_max": "tMax", "eta_min": "etaMin", "step_size": "stepSize",
         "last_epoch": "lastEpoch", "max_lr": "maxLr", "total_steps": "totalSteps", "steps_per_epoch": "stepsPerEpoch",
         "pct_start": "pctStart", "anneal_strategy": "annealStrategy", "cycle_momentum": "cycleMomentum",
         "base_momentum": "baseMomentum", "max_momentum": "maxMomentum", "div_factor": "divFactor",
         "final_div_factor": "finalDivFactor", "three_phase": "threePhase", "initial_lr": "initialLr"}


def camel(options):
    return {CAMEL.get(k, k): (list(v) if isinstance(v, tuple) else v) for k, v in options.items()}


def tensor_json(t):
    """A float32 tensor as its shape and its little-endian bytes in base64 (a quarter of decimal JSON's size)."""
    data = t.detach().float().contiguous().numpy().astype("<f4").tobytes()
    return {"shape": list(t.shape), "f32": base64.b64encode(data).decode("ascii")}


def value_json(v):
    import torch
    if isinstance(v, torch.Tensor):
        return tensor_json(v)
    if isinstance(v, tuple):
        return [value_json(x) for x in v]
    if isinstance(v, list):
        return [value_json(x) for x in v]
    if isinstance(v, dict):
        return {str(k): value_json(x) for k, x in v.items()}
    return v


def log_uniform(rng, lo, hi):
    return math.exp(rng.uniform(math.log(lo), math.log(hi)))


def maybe(rng, p=0.5):
    return rng.random() < p


# ---------------------------------------------------------------------------
# Optimisers
# ---------------------------------------------------------------------------

def draw_options(rng, kind, in_group=False):
    """Random options for `kind` (torch's names), each sometimes left out (its default then)."""
    o = {}
    if kind == "SGD":
        if maybe(rng, 0.9):
            o["lr"] = log_uniform(rng, 1e-4, 1.0)
        if maybe(rng, 0.7):
            o["momentum"] = rng.choice([0, 0.9, rng.uniform(0, 0.99)])
        momentum = o.get("momentum", 0)
        if maybe(rng, 0.4) and not (in_group and momentum == 0):
            if momentum > 0 and maybe(rng):
                o["nesterov"] = True
            elif maybe(rng, 0.6):
                o["dampening"] = rng.uniform(0, 0.5)
        if maybe(rng, 0.5):
            o["weight_decay"] = rng.choice([0, log_uniform(rng, 1e-5, 1e-1)])
    else:
        if maybe(rng, 0.8):
            o["lr"] = log_uniform(rng, 1e-5, 1e-1)
        if maybe(rng, 0.6):
            o["betas"] = (rng.choice([0, 0.9, rng.uniform(0, 0.99)]), rng.choice([0.999, rng.uniform(0.5, 0.9999)]))
        if maybe(rng, 0.5):
            o["eps"] = rng.choice([0, log_uniform(rng, 1e-10, 1e-3)])
        if maybe(rng, 0.5):
            o["weight_decay"] = rng.choice([0, log_uniform(rng, 1e-5, 1e-1)])
        if maybe(rng, 0.4):
            o["amsgrad"] = maybe(rng)
    if maybe(rng, 0.3):
        o["maximize"] = maybe(rng)
    return o


def sgd_valid(o):
    nesterov = o.get("nesterov", False)
    return not nesterov or (o.get("momentum", 0) > 0 and o.get("dampening", 0) == 0)


def optimizer_case(torch, rng, case_id):
    kind = rng.choice(["SGD", "Adam", "AdamW"])
    n_params = rng.randint(1, 4)
    shapes = [tuple(rng.randint(1, 4) for _ in range(rng.randint(0, 3))) for _ in range(n_params)]
    params = [torch.randn(s, generator=None) * rng.choice([0.1, 1.0, 10.0]) for s in shapes]
    defaults = draw_options(rng, kind)
    groups = None
    if n_params > 1 and maybe(rng, 0.4):
        order = list(range(n_params))
        rng.shuffle(order)
        cut = sorted(rng.sample(range(1, n_params), rng.randint(1, n_params - 1)))
        parts = [order[a:b] for a, b in zip([0] + cut, cut + [n_params])]
        groups = []
        for part in parts:
            over = draw_options(rng, kind, in_group=True) if maybe(rng, 0.8) else {}
            over = {k: v for k, v in over.items() if rng.random() < 0.5}
            groups.append((part, over))
    if kind == "SGD":
        if "lr" not in defaults and (groups is None or any("lr" not in over for _, over in groups)):
            defaults["lr"] = log_uniform(rng, 1e-4, 1.0)
        merged = [defaults] if groups is None else [{**defaults, **over} for _, over in groups]
        if not sgd_valid(defaults) or not all(sgd_valid(m) for m in merged):
            for m in [defaults] + ([over for _, over in groups] if groups else []):
                m.pop("nesterov", None)
    steps = rng.randint(3, 8)
    resume_at = rng.randint(1, steps - 1)
    grads = []
    for _ in range(steps):
        scale = rng.choice([1e-3, 1.0, 1e2])
        grads.append([None if maybe(rng, 0.1) else torch.randn(s) * scale for s in shapes])

    ps = [p.clone().requires_grad_() for p in params]
    cls = getattr(torch.optim, kind)
    arg = ps if groups is None else [{"params": [ps[i] for i in part], **over} for part, over in groups]
    opt = cls(arg, **defaults)
    after, saved = [], None
    for k, step_grads in enumerate(grads):
        for p, g in zip(ps, step_grads):
            p.grad = None if g is None else g.clone()
        opt.step()
        after.append([tensor_json(p) for p in ps])
        if k + 1 == resume_at:
            saved = value_json(copy.deepcopy(opt.state_dict()))
    return {
        "id": case_id, "kind": "optimizer", "optimizer": kind, "options": camel(defaults),
        "groups": None if groups is None else [{"params": part, **camel(over)} for part, over in groups],
        "params": [tensor_json(p) for p in params],
        "grads": [[None if g is None else tensor_json(g) for g in gs] for gs in grads],
        "after": after, "resumeAt": resume_at, "stateDict": saved, "finalStateDict": value_json(opt.state_dict()),
        "torch": f"{kind}({'groups ' + repr(groups) if groups else 'params'}, {defaults})",
    }


OPTIMIZER_ERRORS = [
    ("SGD", {"lr": -1.0}, None), ("SGD", {"lr": -1e-3, "momentum": 0.9}, None),
    ("SGD", {"lr": 0.1, "momentum": -0.5}, None), ("SGD", {"lr": 0.1, "weight_decay": -0.1}, None),
    ("SGD", {"lr": 0.1, "nesterov": True}, None), ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.1, "nesterov": True}, None),
    ("SGD", {}, None), ("SGD", {"lr": "fast"}, "type"),
    ("Adam", {"lr": -0.01}, None), ("Adam", {"eps": -1e-8}, None), ("Adam", {"betas": (1.0, 0.999)}, None),
    ("Adam", {"betas": (-0.1, 0.999)}, None), ("Adam", {"betas": (0.9, 1.0)}, None), ("Adam", {"betas": (0.9, 1.5)}, None),
    ("Adam", {"weight_decay": -1e-4}, None), ("AdamW", {"lr": -1.0}, None), ("AdamW", {"weight_decay": -0.01}, None),
    ("AdamW", {"betas": (0.9, -0.5)}, None), ("AdamW", {"eps": -1.0}, None),
    ("SGD", {"lr": 0.1}, "tensor"), ("Adam", {}, "empty"), ("SGD", {"lr": 0.1}, "nonleaf"), ("AdamW", {}, "shared"),
    ("SGD", {"lr": 0.1}, "group-without-lr"), ("Adam", {}, "not-a-tensor"),
]


def optimizer_error_case(torch, rng, case_id, index):
    kind, options, form = OPTIMIZER_ERRORS[index % len(OPTIMIZER_ERRORS)]
    options = dict(options)
    if index >= len(OPTIMIZER_ERRORS) and form is None:
        # the same rule with another bad value
        for key, value in list(options.items()):
            if isinstance(value, float) and value < 0:
                options[key] = -log_uniform(rng, 1e-6, 10)
    p = torch.randn(3, requires_grad=True)
    if form == "tensor":
        params = p
    elif form == "empty":
        params = []
    elif form == "nonleaf":
        params = [p * 2]
    elif form == "shared":
        params = [{"params": [p]}, {"params": [p]}]
    elif form == "group-without-lr":
        params = [{"params": [p]}]
        options = {}
    elif form == "not-a-tensor":
        params = [p, 3]
    else:
        params = [p]
    try:
        getattr(torch.optim, kind)(params, **options)
        raise AssertionError(f"torch accepted {kind}({form}, {options})")
    except (ValueError, TypeError, KeyError) as exc:
        message = str(exc).strip("'")
        return {"id": case_id, "kind": "optimizer_error", "optimizer": kind, "options": camel(options), "form": form or "list",
                "error": {"type": type(exc).__name__, "message": message},
                "match": isinstance(exc, (ValueError, KeyError)) and form not in ("type", "tensor", "not-a-tensor"),
                "torch": f"{kind}({form or 'list'}, {options})"}


# ---------------------------------------------------------------------------
# Schedules
# ---------------------------------------------------------------------------

def draw_schedule(rng, n_groups, resumable):
    name = rng.choice(["StepLR", "CosineAnnealingLR", "OneCycleLR"])
    o = {}
    if name == "StepLR":
        o["step_size"] = rng.randint(1, 10)
        if maybe(rng, 0.7):
            o["gamma"] = rng.uniform(0.05, 1.0)
        steps = rng.randint(5, 60)
    elif name == "CosineAnnealingLR":
        o["T_max"] = rng.randint(1, 30)
        if maybe(rng):
            o["eta_min"] = rng.choice([0, log_uniform(rng, 1e-6, 1e-2)])
        steps = rng.randint(5, 3 * o["T_max"] + 5)
    else:
        o["max_lr"] = log_uniform(rng, 1e-3, 1.0) if maybe(rng) else [log_uniform(rng, 1e-3, 1.0) for _ in range(n_groups)]
        if maybe(rng, 0.7):
            o["total_steps"] = rng.randint(1, 80)
            total = o["total_steps"]
        else:
            o["epochs"], o["steps_per_epoch"] = rng.randint(1, 8), rng.randint(1, 12)
            total = o["epochs"] * o["steps_per_epoch"]
        if maybe(rng, 0.7):
            o["pct_start"] = rng.choice([rng.uniform(0.0, 1.0), 0.25, 0.5])
        if maybe(rng):
            o["anneal_strategy"] = rng.choice(["cos", "linear"])
        if maybe(rng, 0.3):
            o["cycle_momentum"] = maybe(rng)
        if maybe(rng, 0.4):
            o["base_momentum"] = rng.uniform(0.5, 0.9)
            o["max_momentum"] = rng.uniform(0.9, 0.99) if maybe(rng) else [rng.uniform(0.9, 0.99) for _ in range(n_groups)]
        if maybe(rng, 0.4):
            o["div_factor"] = rng.uniform(2, 50)
        if maybe(rng, 0.4):
            o["final_div_factor"] = log_uniform(rng, 10, 1e5)
        if maybe(rng, 0.3):
            o["three_phase"] = True
        steps = total + 2
    if resumable and name != "OneCycleLR" and maybe(rng, 0.2):
        o["last_epoch"] = rng.randint(0, 20)
    return name, o, steps


def schedule_case(torch, rng, case_id):
    n_groups = rng.randint(1, 3)
    kind = rng.choice(["SGD", "Adam"])
    name, options, steps = draw_schedule(rng, n_groups, True)
    resume = "last_epoch" in options
    groups = []
    for _ in range(n_groups):
        g = {"lr": log_uniform(rng, 1e-4, 1.0)}
        if kind == "SGD" and maybe(rng):
            g["momentum"] = rng.uniform(0, 0.99)
        if resume:
            g["initial_lr"] = log_uniform(rng, 1e-4, 1.0)
        groups.append(g)
    defaults = {"lr": 0.1} if kind == "SGD" else {}

    def build():
        params = [{"params": [torch.zeros(2, requires_grad=True)], **g} for g in groups]
        opt = getattr(torch.optim, kind)(params, **defaults)
        return opt, getattr(torch.optim.lr_scheduler, name)(opt, **options)

    def momenta(opt):
        return [g["betas"][0] if kind == "Adam" else g["momentum"] for g in opt.param_groups]

    case = {"id": case_id, "kind": "schedule", "optimizer": kind, "options": camel(defaults),
            "groups": [camel(g) for g in groups], "scheduler": name, "schedulerOptions": camel(options),
            "torch": f"{name}({kind}({groups}), {options})"}
    try:
        opt, sched = build()
    except (ValueError, ZeroDivisionError, KeyError) as exc:
        case["error"] = {"type": type(exc).__name__, "message": str(exc).strip("'"), "atStep": 0}
        return case
    lrs, moms = [sched.get_last_lr()], [momenta(opt)]
    resume_at = rng.randint(0, steps - 1)
    case["resumeAt"] = resume_at
    for k in range(1, steps + 1):
        if k - 1 == resume_at:
            case["stateDict"] = value_json({k: v for k, v in sched.state_dict().items() if k != "anneal_func"})
            case["optimizerStateDict"] = value_json(copy.deepcopy(opt.state_dict()))
        try:
            sched.step()
        except (ValueError, ZeroDivisionError) as exc:
            case["error"] = {"type": type(exc).__name__, "message": str(exc), "atStep": k}
            break
        lrs.append(sched.get_last_lr())
        moms.append(momenta(opt))
    case["lrs"], case["momenta"] = lrs, moms
    return case


SCHEDULE_ERRORS = [
    ("OneCycleLR", {"max_lr": 0.1}), ("OneCycleLR", {"max_lr": 0.1, "total_steps": 0}),
    ("OneCycleLR", {"max_lr": 0.1, "total_steps": -5}), ("OneCycleLR", {"max_lr": 0.1, "epochs": 0, "steps_per_epoch": 3}),
    ("OneCycleLR", {"max_lr": 0.1, "epochs": 3, "steps_per_epoch": -1}), ("OneCycleLR", {"max_lr": 0.1, "total_steps": 10, "pct_start": 1.5}),
    ("OneCycleLR", {"max_lr": 0.1, "total_steps": 10, "pct_start": -0.1}),
    ("OneCycleLR", {"max_lr": 0.1, "total_steps": 10, "anneal_strategy": "quadratic"}),
    ("OneCycleLR", {"max_lr": [0.1, 0.2, 0.3], "total_steps": 10}), ("OneCycleLR", {"max_lr": 0.1, "total_steps": 10, "max_momentum": [0.9, 0.95, 0.99]}),
    ("OneCycleLR", {"max_lr": 0.1, "total_steps": 10, "pct_start": 0.1}), ("OneCycleLR", {"max_lr": 0.1, "total_steps": 2.5}),
    ("StepLR", {"step_size": 3, "last_epoch": 4}), ("CosineAnnealingLR", {"T_max": 10, "last_epoch": 2}),
]


def schedule_error_case(torch, rng, case_id, index):
    name, options = SCHEDULE_ERRORS[index % len(SCHEDULE_ERRORS)]
    opt = torch.optim.SGD([{"params": [torch.zeros(2, requires_grad=True)]}, {"params": [torch.zeros(1, requires_grad=True)], "lr": 0.5}],
                          lr=log_uniform(rng, 1e-3, 1.0), momentum=0.9)
    try:
        getattr(torch.optim.lr_scheduler, name)(opt, **options)
        raise AssertionError(f"torch accepted {name}({options})")
    except (ValueError, KeyError, ZeroDivisionError) as exc:
        return {"id": case_id, "kind": "schedule_error", "scheduler": name, "schedulerOptions": camel(options),
                "error": {"type": type(exc).__name__, "message": str(exc).strip('"').strip("'")},
                "match": isinstance(exc, (ValueError, KeyError)), "torch": f"{name}(SGD(2 groups), {options})"}


# ---------------------------------------------------------------------------

def generate(torch, seed, n_optimizers, n_schedules, n_errors):
    cases = []
    for kind, count, make in [("optimizer", n_optimizers, optimizer_case), ("schedule", n_schedules, schedule_case)]:
        for i in range(count):
            case_id = f"{kind}-{i}"
            rng = random.Random(f"{seed}/{case_id}")
            torch.manual_seed(rng.randrange(2 ** 31))
            cases.append(make(torch, rng, case_id))
    for i in range(n_errors):
        case_id = f"error-{i}"
        rng = random.Random(f"{seed}/{case_id}")
        if i % 2 == 0:
            cases.append(optimizer_error_case(torch, rng, case_id, i // 2))
        else:
            cases.append(schedule_error_case(torch, rng, case_id, i // 2))
    return cases


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=None, help="random draws (default: the fixtures' fixed seed 0)")
    parser.add_argument("--optimizers", type=int, default=100)
    parser.add_argument("--schedules", type=int, default=60)
    parser.add_argument("--errors", type=int, default=2 * max(len(OPTIMIZER_ERRORS), len(SCHEDULE_ERRORS)))
    parser.add_argument("--out", default=None, help="directory for random-optim.json (default: the fixture)")
    args = parser.parse_args()
    ensure_stable_environment()
    import_torch()
    import torch
    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    cases = generate(torch, args.seed or 0, args.optimizers, args.schedules, args.errors)
    path = FIXTURE if args.out is None else os.path.join(args.out, "random-optim.json")
    doc = {"format": FORMAT, "version": FORMAT_VERSION, "generator": "tools/torch/optim_cases.py", "torch": torch.__version__,
           "seed": args.seed, "cases": cases}
    with open(path, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    print(torch.__version__)


if __name__ == "__main__":
    main()
