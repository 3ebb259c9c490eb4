"""Draw random conv2d / Conv2d / DepthwiseSeparableConv2d / Sequential / pad
configurations, run them through PyTorch and write a convkit case file.

This is the Python half of the live random suite (tools/torch/live.ts, i.e.
`npm run test:torch`), which replays the file through convkit.  Three groups:

  random_valid       V configurations valid by construction (torch's output recorded)
  random_invalid     I valid configurations perturbed to break one rule; a draw
                     is kept only if torch really raises
  random_borderline  B configurations right at a rule's boundary (kernel exactly
                     fits or misses by one, reflect pad = size - 1 or = size, ...);
                     whatever torch does is recorded

Configurations avoid torch-1.13-only quirks that newer PyTorch fixed
(circular padding of unbatched input, zero-channel convolutions, constant
padding to an empty dimension while another side grows, negative pads in
non-constant modes), so the suite checks behaviour PyTorch still has.

Deterministic for a given seed.  Run:

    /usr/bin/python3 tools/torch/random_cases.py --seed 1 --valid 1000 --invalid 250 \\
        [--borderline 100] --out /tmp/cases      # writes /tmp/cases/random-cases.{json,bin}
"""

import argparse
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from caselib import DROP_UNLESS_ERROR, CaseWriter, keep_rejected, randn, run_valid, torch  # noqa: E402

PADDING_MODES = ["zeros", "zeros", "reflect", "replicate", "circular"]
PAD_MODES = ["constant", "reflect", "replicate", "circular"]
MAX_EFFECTIVE_KERNEL = 13  # dilation * (kernel - 1) + 1, keeps inputs small


# ---------------------------------------------------------------------------
# Geometry
# ---------------------------------------------------------------------------


def pair(value):
    """int | [h, w] -> (h, w)."""
    return (value, value) if isinstance(value, (int, float)) else tuple(value)


def same_pads(kernel, dilation):
    """Per-dim (before, after) padding that 'same' uses: total d*(k-1), extra after."""
    pads = []
    for k, d in zip(kernel, dilation):
        total = d * (k - 1)
        pads.append((total // 2, total - total // 2))
    return pads


def side_pads(padding, kernel, dilation):
    """Per-dim (before, after) padding for int / pair / 'same' / 'valid'."""
    if padding == "same":
        return same_pads(kernel, dilation)
    if padding == "valid":
        return [(0, 0), (0, 0)]
    return [(p, p) for p in pair(padding)]


def out_size(size, before, after, k, s, d):
    return (size + before + after - d * (k - 1) - 1) // s + 1


def min_size(k, d, before, after, padding_mode):
    """Smallest input size for which the convolution (and its padding mode) is valid."""
    need = max(1, d * (k - 1) + 1 - before - after)
    if padding_mode == "reflect":
        need = max(need, before + 1, after + 1)
    elif padding_mode == "circular":
        need = max(need, before, after)
    return need


# ---------------------------------------------------------------------------
# Drawing argument forms
# ---------------------------------------------------------------------------


def draw_pair(rng, lo, hi, square=0.4):
    """(JS form, (h, w)): an int when h == w (usually), else [h, w]."""
    h = rng.randint(lo, hi)
    w = h if rng.random() < square else rng.randint(lo, hi)
    form = h if h == w and rng.random() < 0.6 else [h, w]
    return form, (h, w)


def draw_kernel(rng):
    return draw_pair(rng, 1, 7, square=0.5)


def draw_dilation(rng, kernel):
    """Dilation 1..4 per dim, small enough that the effective kernel stays small."""
    dims = []
    for k in kernel:
        limit = 4 if k == 1 else max(1, min(4, (MAX_EFFECTIVE_KERNEL - 1) // (k - 1)))
        dims.append(rng.randint(1, limit))
    h, w = dims
    if rng.random() < 0.4:
        h = w = min(h, w)
    return (h if h == w and rng.random() < 0.6 else [h, w]), (h, w)


def draw_channels(rng):
    """(in, out, groups): plain, grouped, or depthwise with a depth multiplier."""
    kind = rng.choice(["plain", "plain", "grouped", "depthwise"])
    if kind == "plain":
        return rng.randint(1, 5), rng.randint(1, 5), 1
    if kind == "grouped":
        groups = rng.randint(2, 4)
        return groups * rng.randint(1, 3), groups * rng.randint(1, 3), groups
    channels = rng.randint(1, 6)
    return channels, channels * rng.randint(1, 3), channels


def draw_padding(rng, strided):
    """JS padding form: int, [h, w], 'same' (only when not strided) or 'valid'."""
    choice = rng.choice(["int", "pair", "same", "valid"] if not strided else ["int", "pair", "valid"])
    if choice == "int":
        return rng.randint(0, 3)
    if choice == "pair":
        return [rng.randint(0, 3), rng.randint(0, 3)]
    return choice


def draw_batch_shape(rng, channels, h, w, allow_unbatched=True):
    if allow_unbatched and rng.random() < 0.2:
        return (channels, h, w)
    return (rng.randint(0, 3), channels, h, w)


def maybe(rng, options, key, value, default):
    """Set options[key] = value; a default value is only sometimes written out."""
    if value != default or rng.random() < 0.3:
        options[key] = value


def draw_geometry(rng, padding_mode="zeros"):
    """A valid convolution geometry: kernel, stride, padding, dilation and input size. A quarter are
    3x3 undilated at stride 1 or 2 (Winograd's cases in convkit's wasm backend: F(m x m, 3x3), and
    F(7x7, 2x2) on the four phases of a stride-2 input), on inputs big enough for several output tiles
    and ragged edges."""
    winograd = rng.random() < 0.25
    if winograd:
        kernel_form, kernel = rng.choice([3, [3, 3]]), (3, 3)
        dilation_form, dilation = rng.choice([1, [1, 1]]), (1, 1)
    else:
        kernel_form, kernel = draw_kernel(rng)
        dilation_form, dilation = draw_dilation(rng, kernel)
    if winograd:
        stride_form, stride = rng.choice([(1, (1, 1)), ([1, 1], (1, 1)), (2, (2, 2)), ([2, 2], (2, 2))])
    elif rng.random() < 0.5:
        stride_form, stride = draw_pair(rng, 1, 3)
    else:
        stride_form, stride = rng.choice([1, [1, 1]]), (1, 1)
    padding = draw_padding(rng, strided=stride != (1, 1))
    pads = side_pads(padding, kernel, dilation)
    extra = (26 if stride == (2, 2) else 13) if winograd else 4
    size = [min_size(k, d, b, a, padding_mode) + rng.randint(0, extra)
            for k, d, (b, a) in zip(kernel, dilation, pads)]
    return {"kernel": kernel_form, "stride": stride_form, "padding": padding,
            "dilation": dilation_form, "size": size}


# ---------------------------------------------------------------------------
# Valid configurations (plain dicts, executed by `execute`)
# ---------------------------------------------------------------------------


def draw_conv2d(rng):
    cin, cout, groups = draw_channels(rng)
    geo = draw_geometry(rng)
    kh, kw = pair(geo["kernel"])
    options = {}
    maybe(rng, options, "stride", geo["stride"], 1)
    maybe(rng, options, "padding", geo["padding"], 0)
    maybe(rng, options, "dilation", geo["dilation"], 1)
    maybe(rng, options, "groups", groups, 1)
    bias = rng.choice(["tensor", "tensor", "null", "omit"])
    if bias == "omit" and options:
        bias = "null"  # options can only be passed after the bias
    if not options and (bias == "omit" or rng.random() < 0.5):
        options = None  # argument omitted
    return {"kind": "conv2d", "x": draw_batch_shape(rng, cin, *geo["size"]),
            "w": (cout, cin // groups, kh, kw),
            "b": (cout,) if bias == "tensor" else bias,
            "options": options}


def conv2d_module_options(rng, geo, groups, bias, padding_mode):
    options = {}
    maybe(rng, options, "stride", geo["stride"], 1)
    maybe(rng, options, "padding", geo["padding"], 0)
    maybe(rng, options, "dilation", geo["dilation"], 1)
    maybe(rng, options, "groups", groups, 1)
    maybe(rng, options, "bias", bias, True)
    maybe(rng, options, "paddingMode", padding_mode, "zeros")
    return options


def draw_conv2d_module(rng):
    cin, cout, groups = draw_channels(rng)
    padding_mode = rng.choice(PADDING_MODES)
    geo = draw_geometry(rng, padding_mode)
    options = conv2d_module_options(rng, geo, groups, rng.random() < 0.7, padding_mode)
    spec = {"type": "Conv2d", "inChannels": cin, "outChannels": cout, "kernelSize": geo["kernel"]}
    if options or rng.random() < 0.5:
        spec["options"] = options
    # torch 1.13 cannot circular-pad unbatched input (newer PyTorch can)
    x = draw_batch_shape(rng, cin, *geo["size"], allow_unbatched=padding_mode != "circular")
    return {"kind": "module", "spec": spec, "x": x}


def draw_dsc(rng):
    """DepthwiseSeparableConv2d; padding defaults to 1 (the tutorial's), kernel to 3."""
    cin, cout = rng.randint(1, 6), rng.randint(1, 6)
    geo = draw_geometry(rng)
    spec = {"type": "DepthwiseSeparableConv2d", "inChannels": cin, "outChannels": cout,
            "kernelSize": geo["kernel"]}
    options = {}
    maybe(rng, options, "padding", geo["padding"], 1)
    maybe(rng, options, "stride", geo["stride"], 1)
    maybe(rng, options, "dilation", geo["dilation"], 1)
    maybe(rng, options, "bias", rng.random() < 0.7, True)
    if geo["kernel"] == 3 and rng.random() < 0.5:
        del spec["kernelSize"]  # the default
    if options or "kernelSize" in spec and rng.random() < 0.5:
        spec["options"] = options
    return {"kind": "module", "spec": spec, "x": draw_batch_shape(rng, cin, *geo["size"])}


def draw_sequential(rng):
    """Conv2d('same') -> ReLU -> Conv2d or DepthwiseSeparableConv2d [-> ReLU]."""
    cin, mid, cout = rng.randint(1, 4), rng.randint(1, 6), rng.randint(1, 4)
    h, w = rng.randint(2, 8), rng.randint(2, 8)
    kernel_form, kernel = draw_pair(rng, 1, 3)
    padding_mode = rng.choice(["zeros", "replicate", "reflect"])
    if padding_mode == "reflect":
        h, w = max(h, kernel[0]), max(w, kernel[1])  # 'same' pads stay < the size
    first = {"type": "Conv2d", "inChannels": cin, "outChannels": mid, "kernelSize": kernel_form,
             "options": {"padding": "same", "paddingMode": padding_mode}}
    stride = rng.randint(1, 2)
    if rng.random() < 0.5:
        second = {"type": "DepthwiseSeparableConv2d", "inChannels": mid, "outChannels": cout,
                  "kernelSize": 3, "options": {"stride": stride}}
    else:
        second = {"type": "Conv2d", "inChannels": mid, "outChannels": cout,
                  "kernelSize": [rng.randint(1, h), rng.randint(1, w)],
                  "options": {"stride": stride, "bias": rng.random() < 0.5}}
    modules = [first, {"type": "ReLU"}, second] + ([{"type": "ReLU"}] if rng.random() < 0.5 else [])
    return {"kind": "module", "spec": {"type": "Sequential", "modules": modules},
            "x": draw_batch_shape(rng, cin, h, w)}


def constant_pads_ok(pads, h, w):
    """Whether torch accepts these constant pads, leaving out a torch-1.13-only rule.

    torch first crops (negative pads, one side after the other: a side may not
    remove more than is left), then pads.  torch 1.13 also rejects an empty
    result dimension when some pad is positive; newer PyTorch allows it, so
    such pads are not drawn at all."""
    floor = 0 if max(pads) <= 0 else 1
    for size, before, after in ((w, pads[0], pads[1]), (h, pads[2], pads[3])):
        if size + min(before, 0) + min(after, 0) < 0 or size + before + after < floor:
            return False
    return True


def draw_constant_pads(rng, h, w):
    """Pads in -2..3 that torch accepts."""
    while True:
        pads = [rng.randint(-2, 3) for _ in range(4)]
        if constant_pads_ok(pads, h, w):
            return pads


def draw_pad(rng):
    mode = rng.choice(PAD_MODES + [None])
    h, w = rng.randint(1, 6), rng.randint(1, 6)
    x = draw_batch_shape(rng, rng.randint(1, 3), h, w, allow_unbatched=mode != "circular")
    value = None
    if mode in ("constant", None):
        pads = draw_constant_pads(rng, h, w)
        if mode == "constant" and rng.random() < 0.5:
            value = round(rng.uniform(-3, 3), 2)
    elif mode == "reflect":
        pads = [rng.randint(0, w - 1), rng.randint(0, w - 1), rng.randint(0, h - 1), rng.randint(0, h - 1)]
    elif mode == "replicate":
        pads = [rng.randint(0, 5) for _ in range(4)]
    else:
        pads = [rng.randint(0, w), rng.randint(0, w), rng.randint(0, h), rng.randint(0, h)]
    if mode not in ("constant", None) and rng.random() < 0.1:
        value = 0  # accepted by every mode
    return {"kind": "pad", "x": x, "pads": pads, "mode": mode, "value": value}


def draw_valid(rng):
    draw = rng.choices([draw_conv2d, draw_conv2d_module, draw_dsc, draw_sequential, draw_pad],
                       weights=[35, 30, 10, 7, 18])[0]
    return draw(rng)


# ---------------------------------------------------------------------------
# Perturbations: each breaks one rule of a valid configuration (or returns
# None when it does not apply to it).
# ---------------------------------------------------------------------------


def conv_options(cfg):
    """The options dict of a conv2d config or Conv2d module spec (created if absent)."""
    if cfg["kind"] == "conv2d":
        if cfg["options"] is None:
            if cfg["b"] == "omit":
                cfg["b"] = "null"
            cfg["options"] = {}
        return cfg["options"]
    return cfg["spec"].setdefault("options", {})


def is_conv_module(cfg):
    return cfg["kind"] == "module" and cfg["spec"]["type"] == "Conv2d"


def perturb_groups_nonpositive(rng, cfg):
    conv_options(cfg)["groups"] = rng.choice([0, -1, -2])
    return cfg


def perturb_in_channels_not_divisible(rng, cfg):
    if cfg["kind"] == "conv2d":
        n, c = (cfg["x"][:-3], cfg["x"][-3])
        groups = cfg["options"].get("groups", 1) if cfg["options"] else 1
        if groups == 1:
            return None
        cfg["x"] = tuple(n) + (c + rng.randint(1, groups - 1),) + tuple(cfg["x"][-2:])
        return cfg
    spec = cfg["spec"]
    groups = rng.randint(2, 4)
    spec.setdefault("options", {})["groups"] = groups
    spec["inChannels"] = groups * rng.randint(1, 2) + rng.randint(1, groups - 1)
    spec["outChannels"] = groups * rng.randint(1, 2)
    return cfg


def perturb_weight_in_channels(rng, cfg):
    if cfg["kind"] != "conv2d":
        return None
    o, i, kh, kw = cfg["w"]
    cfg["w"] = (o, i + rng.choice([d for d in (-1, 1, 2) if i + d >= 1]), kh, kw)
    return cfg


def perturb_out_channels_not_divisible(rng, cfg):
    if cfg["kind"] == "conv2d":
        groups = cfg["options"].get("groups", 1) if cfg["options"] else 1
        if groups == 1:
            return None
        o, i, kh, kw = cfg["w"]
        cfg["w"] = (o + rng.randint(1, groups - 1), i, kh, kw)
        if isinstance(cfg["b"], tuple):
            cfg["b"] = (cfg["w"][0],)
        return cfg
    spec = cfg["spec"]
    groups = rng.randint(2, 4)
    spec.setdefault("options", {})["groups"] = groups
    spec["inChannels"] = groups * rng.randint(1, 2)
    spec["outChannels"] = groups * rng.randint(1, 2) + rng.randint(1, groups - 1)
    return cfg


def break_pair(rng, bad_values):
    bad = rng.choice(bad_values)
    return rng.choice([bad, [bad, rng.randint(1, 2)], [rng.randint(1, 2), bad]])


def perturb_stride_nonpositive(rng, cfg):
    options = conv_options(cfg)
    options["stride"] = break_pair(rng, [0, -1])
    return cfg


def perturb_dilation_nonpositive(rng, cfg):
    conv_options(cfg)["dilation"] = break_pair(rng, [0, -1, -2])
    return cfg


def perturb_padding_negative(rng, cfg):
    options = conv_options(cfg)
    if cfg["kind"] == "module" and options.get("paddingMode", "zeros") != "zeros":
        return None  # other modes crop with negative padding (see torch_accepts fixtures)
    options["padding"] = break_pair(rng, [-1, -2])
    return cfg


def perturb_kernel_too_large(rng, cfg):
    """Shrink the input so the (dilated) kernel no longer fits the padded input."""
    options = conv_options(cfg)
    if options.get("padding") == "same":
        return None
    if cfg["kind"] == "conv2d":
        kernel = cfg["w"][2:]
    else:
        kernel = pair(cfg["spec"]["kernelSize"])
    dilation = pair(options.get("dilation", 1))
    pads = side_pads(options.get("padding", 0), kernel, dilation)
    dim = rng.randint(0, 1)
    eff = dilation[dim] * (kernel[dim] - 1) + 1
    size = eff - pads[dim][0] - pads[dim][1] - rng.randint(1, 2)
    if size < 1:
        return None
    x = list(cfg["x"])
    x[len(x) - 2 + dim] = size
    cfg["x"] = tuple(x)
    return cfg


def perturb_input_rank(rng, cfg):
    x = cfg["x"]
    choice = rng.choice(["1d", "2d", "5d"])
    cfg["x"] = {"1d": x[-1:], "2d": x[-2:], "5d": (1,) * (5 - len(x)) + tuple(x)}[choice]
    return cfg


def perturb_weight_rank(rng, cfg):
    if cfg["kind"] != "conv2d":
        return None
    w = cfg["w"]
    cfg["w"] = rng.choice([w[:2], w[:3], tuple(w) + (1,)])
    return cfg


def perturb_bias_length(rng, cfg):
    if cfg["kind"] != "conv2d":
        return None
    out = cfg["w"][0]
    cfg["b"] = rng.choice([(out + 1,), (out + 2,), (out, 1), (1, out)] + ([(out - 1,)] if out > 1 else []))
    return cfg


def perturb_non_integer(rng, cfg):
    options = conv_options(cfg)
    key = rng.choice(["stride", "padding", "dilation", "groups"] +
                     (["kernelSize", "inChannels"] if is_conv_module(cfg) else []))
    fraction = rng.choice([0.5, 1.5, 2.5])
    if key in ("kernelSize", "inChannels"):
        cfg["spec"][key] = fraction
    elif key == "groups":
        options[key] = fraction
    else:
        options[key] = rng.choice([fraction, [1, fraction], [fraction, 2]])
    return cfg


def perturb_same_strided(rng, cfg):
    options = conv_options(cfg)
    options["padding"] = "same"
    options["stride"] = rng.choice([2, 3, [1, 2], [2, 1]])
    return cfg


def perturb_padding_string(rng, cfg):
    conv_options(cfg)["padding"] = rng.choice(["full", "SAME", "Valid", "", "causal"])
    return cfg


def perturb_padding_mode(rng, cfg):
    if not is_conv_module(cfg):
        return None
    conv_options(cfg)["paddingMode"] = rng.choice(["constant", "mirror", "zero", "Reflect", ""])
    return cfg


def perturb_wrong_input_channels(rng, cfg):
    if cfg["kind"] == "pad":
        return None
    x = list(cfg["x"])
    x[-3] += rng.choice([1, 2]) if x[-3] > 0 else 1
    cfg["x"] = tuple(x)
    return cfg


def perturb_padding_past_limit(rng, cfg, mode, first_bad, batched_only):
    """Padding past what `mode` allows (F.pad or a Conv2d's paddingMode): the smallest bad padding for a
    dimension of size n is n + first_bad (reflect: n, pad must be < n; circular: n + 1, pad <= n)."""
    if batched_only and len(cfg["x"]) != 4:
        return None
    h, w = cfg["x"][-2:]
    if cfg["kind"] == "pad":
        cfg["mode"], cfg["value"] = mode, None
        cfg["pads"] = [max(0, min(p, (w if i < 2 else h) + first_bad - 1)) for i, p in enumerate(cfg["pads"])]
        side = rng.randint(0, 3)
        cfg["pads"][side] = (w if side < 2 else h) + first_bad + rng.randint(0, 2)
        return cfg
    if not is_conv_module(cfg):
        return None
    options = conv_options(cfg)
    options["paddingMode"] = mode
    options["stride"] = 1
    options["dilation"] = 1
    big = [h + first_bad + rng.randint(0, 2), w + first_bad + rng.randint(0, 2)]
    options["padding"] = rng.choice([big, max(big)])
    return cfg


def perturb_reflect_too_large(rng, cfg):
    """Padding >= the input size in reflect mode."""
    return perturb_padding_past_limit(rng, cfg, "reflect", 0, batched_only=False)


def perturb_circular_too_large(rng, cfg):
    """Padding > the input size in circular mode (it wraps around more than once); batched input only,
    since torch 1.13 cannot circular-pad unbatched input at all."""
    return perturb_padding_past_limit(rng, cfg, "circular", 1, batched_only=True)


def perturb_pad_value(rng, cfg):
    if cfg["kind"] != "pad":
        return None
    h, w = cfg["x"][-2:]
    if cfg["mode"] in (None, "constant"):
        cfg["mode"] = rng.choice(["reflect", "replicate"] + (["circular"] if len(cfg["x"]) == 4 else []))
        limit = {"reflect": (w - 1, h - 1), "replicate": (4, 4), "circular": (w, h)}[cfg["mode"]]
        cfg["pads"] = [rng.randint(0, limit[0]), rng.randint(0, limit[0]),
                       rng.randint(0, limit[1]), rng.randint(0, limit[1])]
    cfg["value"] = rng.choice([1, -1, 0.5, 2.25])
    return cfg


def perturb_pad_mode(rng, cfg):
    if cfg["kind"] != "pad":
        return None
    cfg["mode"] = rng.choice(["zeros", "mirror", "edge", "wrap", "Reflect", ""])
    return cfg


def perturb_pads_list(rng, cfg):
    if cfg["kind"] != "pad":
        return None
    choice = rng.choice(["odd", "fraction"])
    if choice == "odd":
        cfg["pads"] = cfg["pads"][:rng.choice([1, 3])]
    else:
        cfg["pads"][rng.randint(0, 3)] = rng.choice([0.5, 1.5, -0.5])
    return cfg


def perturb_pad_rank(rng, cfg):
    if cfg["kind"] != "pad" or cfg["mode"] in (None, "constant"):
        return None  # constant padding works for any rank
    x = cfg["x"]
    cfg["x"] = rng.choice([x[-2:], (1,) * (5 - len(x)) + tuple(x)])
    return cfg


def perturb_crop_too_much(rng, cfg):
    """A constant pad whose negative side removes more than the dimension has."""
    if cfg["kind"] != "pad":
        return None
    h, w = cfg["x"][-2:]
    cfg["mode"] = rng.choice([None, "constant"])
    cfg["value"] = None
    cfg["pads"] = [rng.randint(-1, 2) for _ in range(4)]
    side = rng.randint(0, 3)
    size = w if side < 2 else h
    cfg["pads"][side] = -(size + rng.randint(1, 2))
    return cfg


# Which valid draws each perturbation starts from.
CONV_RULES = [
    perturb_groups_nonpositive, perturb_in_channels_not_divisible, perturb_weight_in_channels,
    perturb_out_channels_not_divisible, perturb_stride_nonpositive, perturb_dilation_nonpositive,
    perturb_padding_negative, perturb_kernel_too_large, perturb_weight_rank, perturb_bias_length,
    perturb_non_integer, perturb_same_strided, perturb_padding_string, perturb_padding_mode,
]
INPUT_RULES = [perturb_input_rank, perturb_wrong_input_channels]
PADDING_RULES = [perturb_reflect_too_large, perturb_circular_too_large]
PAD_RULES = [perturb_pad_value, perturb_pad_mode, perturb_pads_list, perturb_pad_rank, perturb_crop_too_much]
BASES = [
    (CONV_RULES, [draw_conv2d, draw_conv2d_module]),
    (INPUT_RULES, [draw_conv2d, draw_conv2d_module, draw_dsc, draw_sequential]),
    (PADDING_RULES, [draw_pad, draw_conv2d_module]),
    (PAD_RULES, [draw_pad]),
]
PERTURBATIONS = [(rule, bases) for rules, bases in BASES for rule in rules]


def draw_invalid(rng):
    """(rule name, config): a valid draw with one rule broken (torch decides if it raises)."""
    while True:
        perturb, bases = rng.choice(PERTURBATIONS)
        cfg = perturb(rng, rng.choice(bases)(rng))
        if cfg is not None:
            return perturb.__name__[len("perturb_"):], cfg


# ---------------------------------------------------------------------------
# Borderline configurations: right at a rule's boundary, either side.
# ---------------------------------------------------------------------------


def border_kernel_fit(rng):
    """Padded input exactly the dilated kernel size, or one less."""
    cin, cout, groups = draw_channels(rng)
    (kh, kw), (dh, dw) = [(rng.randint(1, 5), rng.randint(1, 5)) for _ in range(2)]
    ph, pw = rng.randint(0, 2), rng.randint(0, 2)
    miss = rng.choice([0, 0, 1])
    h = max(1, dh * (kh - 1) + 1 - 2 * ph - miss)
    w = max(1, dw * (kw - 1) + 1 - 2 * pw - (miss if rng.random() < 0.5 else 0))
    options = {"padding": [ph, pw], "dilation": [dh, dw], "groups": groups}
    return {"kind": "conv2d", "x": (rng.randint(0, 2), cin, h, w), "w": (cout, cin // groups, kh, kw),
            "b": (cout,), "options": options}


def border_reflect(rng):
    """Reflect padding = size - 1 (allowed) or = size (not)."""
    h, w = rng.randint(1, 5), rng.randint(1, 5)
    over = rng.choice([0, 1])
    pads = [w - 1 + over, rng.randint(0, w - 1), rng.randint(0, h - 1), h - 1 + rng.choice([0, over])]
    if rng.random() < 0.5:
        pads[0], pads[1], pads[2], pads[3] = pads[1], pads[0], pads[3], pads[2]
    if rng.random() < 0.5:
        return {"kind": "pad", "x": (rng.randint(0, 2), 2, h, w), "pads": pads, "mode": "reflect", "value": None}
    k = rng.randint(1, 3)
    spec = {"type": "Conv2d", "inChannels": 2, "outChannels": 3, "kernelSize": k,
            "options": {"padding": [h - 1 + over, w - 1], "paddingMode": "reflect"}}
    return {"kind": "module", "spec": spec, "x": (rng.randint(0, 2), 2, h, w)}


def border_circular(rng):
    """Circular padding = size (allowed) or size + 1 (not)."""
    h, w = rng.randint(1, 5), rng.randint(1, 5)
    over = rng.choice([0, 1])
    if rng.random() < 0.5:
        pads = [w + over, rng.randint(0, w), h, rng.randint(0, h)]
        return {"kind": "pad", "x": (rng.randint(0, 2), 2, h, w), "pads": pads, "mode": "circular", "value": None}
    spec = {"type": "Conv2d", "inChannels": 2, "outChannels": 3, "kernelSize": rng.randint(1, 3),
            "options": {"padding": [h, w + over], "paddingMode": "circular"}}
    return {"kind": "module", "spec": spec, "x": (rng.randint(0, 2), 2, h, w)}


def border_crop(rng):
    """All-negative constant pads cropping a dimension to exactly 0, or past it."""
    h, w = rng.randint(1, 5), rng.randint(1, 5)
    left = -rng.randint(0, w)
    right = -(w + left) - rng.choice([0, 0, 1])
    pads = [left, right, -rng.randint(0, h - 1), 0]
    return {"kind": "pad", "x": (2, 2, h, w), "pads": pads, "mode": rng.choice([None, "constant"]),
            "value": rng.choice([None, 1.5])}


def border_same_stride(rng):
    """'same' with a stride written as 1 / [1, 1] (allowed) or with a 2 (not)."""
    stride = rng.choice([1, [1, 1], [1, 2], [2, 1], 2])
    k = rng.randint(1, 6)
    cfg = {"kind": "conv2d", "x": (1, 2, rng.randint(1, 4), rng.randint(1, 4)), "w": (3, 2, k, k),
           "b": "null", "options": {"padding": "same", "stride": stride, "dilation": rng.randint(1, 3)}}
    if rng.random() < 0.5:
        spec = {"type": "Conv2d", "inChannels": 2, "outChannels": 3, "kernelSize": k,
                "options": dict(cfg["options"], paddingMode=rng.choice(["zeros", "replicate", "circular"]))}
        return {"kind": "module", "spec": spec, "x": cfg["x"]}
    return cfg


def border_valid_strided(rng):
    """'valid' with a stride (allowed)."""
    k = rng.randint(1, 3)
    return {"kind": "conv2d", "x": (rng.randint(0, 2), 2, rng.randint(k, 7), rng.randint(k, 7)),
            "w": (2, 2, k, k), "b": (2,), "options": {"padding": "valid", "stride": rng.randint(2, 3)}}


def border_pad_value(rng):
    """A non-constant mode with value 0 (allowed) or another value (not)."""
    mode = rng.choice(["reflect", "replicate", "circular"])
    return {"kind": "pad", "x": (1, 2, 4, 4), "pads": [1, 2, 0, 1], "mode": mode,
            "value": rng.choice([0, 0, 1, -0.5])}


def border_groups(rng):
    """groups = channels (depthwise, allowed) or channels + 1 (not)."""
    c = rng.randint(1, 5)
    groups = c + rng.choice([0, 1])
    mult = rng.randint(1, 2)
    if rng.random() < 0.5:
        spec = {"type": "Conv2d", "inChannels": c, "outChannels": c * mult, "kernelSize": 3,
                "options": {"groups": groups, "padding": 1}}
        return {"kind": "module", "spec": spec, "x": (1, c, 4, 4)}
    return {"kind": "conv2d", "x": (1, c, 4, 4), "w": (c * mult, 1, 3, 3), "b": (c * mult,),
            "options": {"groups": groups}}


def border_module_negative_crop(rng):
    """Non-zeros paddingMode with a small negative padding: torch crops (accepted)."""
    mode = rng.choice(["reflect", "replicate", "circular"])
    spec = {"type": "Conv2d", "inChannels": 2, "outChannels": 2, "kernelSize": 1,
            "options": {"padding": rng.choice([-1, [-1, 0], [0, -1]]), "paddingMode": mode}}
    return {"kind": "module", "spec": spec, "x": (1, 2, rng.randint(3, 5), rng.randint(3, 5))}


BORDERLINES = [border_kernel_fit, border_reflect, border_circular, border_crop, border_same_stride,
               border_valid_strided, border_pad_value, border_groups, border_module_negative_crop]


def draw_borderline(rng):
    make = rng.choice(BORDERLINES)
    return make.__name__[len("border_"):], make(rng)


# ---------------------------------------------------------------------------
# Running a configuration through torch
# ---------------------------------------------------------------------------


def execute(writer, group, case_id, cfg, expect=None, note=None, backward=None):
    """Run cfg through torch and add the case; `backward` (caselib's CaseWriter._backward) also
    records gradients."""
    kind = cfg["kind"]
    x = randn(*cfg["x"])
    if kind == "conv2d":
        b = cfg["b"]
        bias = randn(*b) if isinstance(b, tuple) else None
        return writer.conv2d(group, case_id, x, randn(*cfg["w"]), bias, cfg["options"],
                             omit_bias=b == "omit", expect=expect, note=note, backward=backward)
    if kind == "pad":
        return writer.pad(group, case_id, x, cfg["pads"], cfg["mode"], cfg["value"],
                          expect=expect, note=note, backward=backward)
    return writer.module(group, case_id, cfg["spec"], x, expect=expect, note=note, backward=backward)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--valid", type=int, default=1000)
    parser.add_argument("--invalid", type=int, default=250)
    parser.add_argument("--borderline", type=int, default=100)
    parser.add_argument("--out", required=True, help="directory for random-cases.{json,bin}")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    torch.manual_seed(args.seed)
    writer = CaseWriter("tools/torch/random_cases.py", seed=args.seed)
    writer.group("random_valid", "random valid configurations")
    writer.group("random_invalid", "random configurations with one rule broken, kept where torch raises")
    writer.group("random_borderline", "random configurations at a rule's boundary, whatever torch does")

    valid_raised = run_valid(args.valid, lambda i: execute(writer, "random_valid", f"random_valid/{i}", draw_valid(rng)))

    def invalid(kept):
        rule, cfg = draw_invalid(rng)
        return execute(writer, "random_invalid", f"random_invalid/{kept}_{rule}", cfg,
                       expect=DROP_UNLESS_ERROR, note=f"perturbation: {rule}")
    tries = keep_rejected(args.invalid, "invalid configurations", invalid)

    border_errors = 0
    for i in range(args.borderline):
        rule, cfg = draw_borderline(rng)
        case = execute(writer, "random_borderline", f"random_borderline/{i}_{rule}", cfg,
                       note=f"boundary: {rule}")
        border_errors += "error" in case

    writer.write(args.out, "random-cases")
    print(f"seed {args.seed}: {args.valid} valid ({valid_raised} raised in torch), "
          f"{args.invalid} invalid (from {tries} perturbed draws), "
          f"{args.borderline} borderline ({border_errors} raised)")


if __name__ == "__main__":
    main()
