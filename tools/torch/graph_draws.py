"""Random graphs for the live gradient suite (random_grad_cases.py, group grad_graph).

The running value y goes through a list of steps (caselib.run_step), each drawn for
y's shape at that point, found by running the steps so far; a step torch rejects
for that y is drawn again.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from caselib import randn, run_step, torch  # noqa: E402


def operand(rng, shape):
    """A tensor shape that broadcasts against `shape` to `shape`, or a number."""
    form = rng.choice(["same", "ones", "suffix", "number"])
    if form == "number":
        return rng.choice([2.5, -0.5, 3])
    if form == "same":
        return tuple(shape)
    if form == "ones":
        return tuple(1 if rng.random() < 0.5 else size for size in shape)
    return tuple(shape[rng.randint(0, len(shape)):])


def draw_pad_step(rng, shape):
    h, w = shape[-2:]
    mode = rng.choice(["constant", "reflect", "replicate"] + (["circular"] if len(shape) == 4 else []))
    limit = {"constant": (2, 2), "replicate": (2, 2), "reflect": (w - 1, h - 1), "circular": (w, h)}[mode]
    step = {"op": "pad", "pads": [rng.randint(0, min(2, limit[i // 2])) for i in range(4)], "mode": mode}
    if mode == "constant" and rng.random() < 0.5:
        step["value"] = 1.5
    return step


def draw_step(rng, shape, leaves):
    """A step for a running value of `shape` (a leaf it needs is added to `leaves`), or None."""
    kind = rng.choice(["relu", "binary", "binary", "reduce", "reshape", "pad"])
    if kind == "relu":
        return {"op": "relu"}
    if kind == "binary":
        form = operand(rng, shape)
        step = {"op": rng.choice(["add", "sub", "mul"]), "other": form}
        if isinstance(form, tuple):
            step["other"] = name = f"c{len(leaves)}"
            leaves[name] = randn(*form)
        if rng.random() < 0.5:
            step["swap"] = True
        return step
    if len(shape) == 0:
        return None
    if kind == "reduce":
        step = {"op": rng.choice(["sum", "mean"])}
        if rng.random() < 0.85:
            dims = rng.sample(range(len(shape)), rng.randint(1, len(shape)))
            step["dims"] = [d - len(shape) if rng.random() < 0.3 else d for d in dims]  # some from the end
            step["keepdim"] = rng.random() < 0.5
        return step
    if kind == "reshape":
        if rng.random() < 0.5:
            # [0, -1] is ambiguous (torch raises): an empty batch is only flattened whole
            return {"op": "reshape", "shape": rng.choice([[-1], [shape[0], -1]] if shape[0] else [[-1]])}
        start = rng.randint(0, len(shape) - 1)
        return {"op": "flatten", "start": start, "end": rng.randint(start, len(shape) - 1)}
    if len(shape) in (3, 4) and min(shape[-2:]) >= 1:
        return draw_pad_step(rng, shape)
    return None


def draw_graph(rng):
    """(leaves, steps): x (3-D, 4-D, sometimes an empty batch) through a convolution or a pad, then
    2-5 more steps."""
    c, h, w = rng.randint(1, 4), rng.randint(3, 8), rng.randint(3, 8)
    n = 0 if rng.random() < 0.1 else rng.randint(1, 3)
    leaves = {"x": randn(*((n, c, h, w) if rng.random() < 0.8 else (c, h, w)))}
    if rng.random() < 0.75:
        k = rng.randint(1, 3)
        leaves["w"] = randn(rng.randint(1, 4), c, k, k)
        first = {"op": "conv2d", "weight": "w", "options": {"padding": rng.choice([0, 1, "same"])}}
        if rng.random() < 0.7:
            leaves["b"] = randn(leaves["w"].shape[0])
            first["bias"] = "b"
    else:
        first = draw_pad_step(rng, leaves["x"].shape)
    steps = [first]
    with torch.no_grad():
        y = run_step(leaves["x"], first, leaves)
        while len(steps) < 3 or (len(steps) < 6 and rng.random() < 0.6):
            step = draw_step(rng, tuple(y.shape), leaves)
            if step is None:
                continue
            try:
                y = run_step(y, step, leaves)
            except RuntimeError:
                continue  # torch rejects it for this y (replicate-padding a 3-D y with no channels): another
            steps.append(step)
    return leaves, steps
