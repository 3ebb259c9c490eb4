"""Random torch.nn.grad.conv2d_input / conv2d_weight calls for the live gradient suite
(random_grad_cases.py, groups grad_functional and grad_invalid); make_grad_fixtures.py
uses output_shape.

A config is {"name", "x": input shape, "w": weight shape, "go": grad_output shape,
"options": dict or None (omitted)}.  Valid ones come from random_cases.py's conv2d
draws; each perturbation breaks one rule of a valid one (torch decides whether it raises).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from caselib import OK, randn  # noqa: E402
from random_cases import draw_conv2d, out_size, pair  # noqa: E402

FUNCTIONS = ["conv2d_input", "conv2d_weight"]


def output_shape(x, w, options):
    """F.conv2d's output shape (padding int or pair), or None when the kernel does not fit."""
    options = options or {}
    stride, padding, dilation = (pair(options.get(key, default)) for key, default
                                 in (("stride", 1), ("padding", 0), ("dilation", 1)))
    sizes = [out_size(x[2 + i], padding[i], padding[i], w[2 + i], stride[i], dilation[i]) for i in range(2)]
    return None if min(sizes) < 1 else (x[0], w[0], *sizes)


def largest_input(go, w, options):
    """The largest input size per dimension with F.conv2d's output size go[2:]: a stride s leaves
    s - 1 more rows and columns that no output reads."""
    options = options or {}
    stride, padding, dilation = (pair(options.get(key, default)) for key, default
                                 in (("stride", 1), ("padding", 0), ("dilation", 1)))
    return [(go[2 + i] - 1) * stride[i] - 2 * padding[i] + dilation[i] * (w[2 + i] - 1) + 1 + stride[i] - 1
            for i in range(2)]


def draw_functional(rng):
    """A valid torch.nn.grad call on a random conv2d draw's geometry. torch.nn.grad takes neither
    'same'/'valid' nor unbatched input: those become symmetric int padding and a batch."""
    while True:
        cfg = draw_conv2d(rng)
        options = cfg["options"]
        padding = (options or {}).get("padding")
        if padding == "valid":
            options["padding"] = 0
        elif padding == "same":
            total = [d * (k - 1) for d, k in zip(pair(options.get("dilation", 1)), cfg["w"][2:])]
            options["padding"] = [t // 2 for t in total]
        x = list(cfg["x"]) if len(cfg["x"]) == 4 else [rng.randint(0, 3)] + list(cfg["x"])
        go = output_shape(x, cfg["w"], options)
        if go is None:
            continue  # 'same' lost a row or column of padding and the kernel no longer fits
        if rng.random() < 0.3:
            x[2:] = largest_input(go, cfg["w"], options)  # the rows and columns no output reads
        return {"name": rng.choice(FUNCTIONS), "x": x, "w": list(cfg["w"]), "go": list(go), "options": options}


def execute_functional(writer, group, case_id, cfg, expect=OK, note=None):
    go = randn(*cfg["go"])
    if cfg["name"] == "conv2d_input":
        first, second = cfg["x"], randn(*cfg["w"])
    else:
        first, second = randn(*cfg["x"]), cfg["w"]
    return writer.conv2d_grad(group, case_id, cfg["name"], first, second, go, cfg["options"],
                              expect=expect, note=note)


def options_of(cfg):
    if cfg["options"] is None:
        cfg["options"] = {}
    return cfg["options"]


def shape_argument(cfg):
    """The key of the shape torch takes as a list (input_size or weight_size)."""
    return "x" if cfg["name"] == "conv2d_input" else "w"


def bump(rng, shape, dim, choices=(1, 2)):
    shape[dim] += rng.choice(choices)


def perturb_groups_negative(rng, cfg):
    options_of(cfg)["groups"] = rng.choice([-1, -2])  # never 0: torch 1.13 dies of it


def perturb_groups_mismatch(rng, cfg):
    options_of(cfg)["groups"] = options_of(cfg).get("groups", 1) + rng.randint(1, 2)


def perturb_input_channels(rng, cfg):
    bump(rng, cfg["x"], 1)


def perturb_weight_out_channels(rng, cfg):
    bump(rng, cfg["w"], 0)


def perturb_weight_in_channels(rng, cfg):
    bump(rng, cfg["w"], 1, (1, 2) if cfg["w"][1] == 1 else (-1, 1))


def perturb_kernel(rng, cfg):
    dim = rng.choice([2, 3])
    bump(rng, cfg["w"], dim, (1, 2) if cfg["w"][dim] == 1 else (-1, 1, 2))


def perturb_grad_output_channels(rng, cfg):
    bump(rng, cfg["go"], 1)


def perturb_grad_output_size(rng, cfg):
    dim = rng.choice([2, 3])
    bump(rng, cfg["go"], dim, (1, 2) if cfg["go"][dim] == 1 else (-1, 1))


def perturb_grad_output_batch(rng, cfg):
    bump(rng, cfg["go"], 0)


def perturb_input_size(rng, cfg):
    """One past the largest input size whose output is go's, or one below the smallest."""
    dim = rng.choice([0, 1])
    largest = largest_input(cfg["go"], cfg["w"], cfg["options"])[dim]
    stride = pair((cfg["options"] or {}).get("stride", 1))[dim]
    cfg["x"][2 + dim] = rng.choice([largest + 1, max(0, largest - stride)])


def perturb_kernel_too_large(rng, cfg):
    """An input smaller than the (dilated, padded) kernel, with the empty grad_output it would give."""
    dim = rng.choice([0, 1])
    options = cfg["options"] or {}
    span = pair(options.get("dilation", 1))[dim] * (cfg["w"][2 + dim] - 1) + 1
    small = span - 2 * pair(options.get("padding", 0))[dim] - 1
    if small < 0:
        return False
    cfg["x"][2 + dim] = small
    cfg["go"][2 + dim] = 0


def perturb_rank(rng, cfg):
    key = rng.choice(["x", "w", "go"])
    shape = cfg[key]
    cfg[key] = rng.choice([shape[1:], shape[:3], shape[2:], [1] + shape])


def perturb_nonpositive(rng, cfg):
    key = rng.choice(["stride", "padding", "dilation"])
    bad = {"stride": [0, -1], "padding": [-1, -2], "dilation": [0, -1]}[key]
    value = rng.choice(bad)
    options_of(cfg)[key] = rng.choice([value, [value, 1], [1, value]])


def perturb_padding_string(rng, cfg):
    options_of(cfg)["padding"] = rng.choice(["same", "valid"])


def perturb_non_integer(rng, cfg):
    key = rng.choice(["stride", "padding", "dilation", "groups", "shape"])
    fraction = rng.choice([0.5, 1.5, 2.5])
    if key == "shape":
        cfg[shape_argument(cfg)][rng.randint(0, 3)] = fraction
    elif key == "groups":
        options_of(cfg)[key] = fraction
    else:
        options_of(cfg)[key] = rng.choice([fraction, [1, fraction]])


def perturb_pair_length(rng, cfg):
    key = rng.choice(["stride", "padding", "dilation"])
    options_of(cfg)[key] = rng.choice([[1, 1, 1], []])


def perturb_negative_size(rng, cfg):
    cfg[shape_argument(cfg)][rng.randint(0, 3)] = -1


PERTURBATIONS = [
    perturb_groups_negative, perturb_groups_mismatch, perturb_input_channels, perturb_weight_out_channels,
    perturb_weight_in_channels, perturb_kernel, perturb_grad_output_channels, perturb_grad_output_size, perturb_grad_output_batch,
    perturb_input_size, perturb_kernel_too_large, perturb_rank, perturb_nonpositive,
    perturb_padding_string, perturb_non_integer, perturb_pair_length, perturb_negative_size,
]


def draw_invalid(rng):
    """(rule name, config): a valid functional draw with one rule broken (torch decides if it raises);
    a perturbation returns False where it does not apply to the draw."""
    while True:
        perturb = rng.choice(PERTURBATIONS)
        cfg = draw_functional(rng)
        if perturb(rng, cfg) is not False:
            return perturb.__name__[len("perturb_"):], cfg
