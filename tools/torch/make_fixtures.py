"""Generate convkit's committed PyTorch fixtures (test/fixtures/torch-cases.{json,bin}).

Every case is run through PyTorch here and its result (output tensor or the
error torch raised) is recorded; test/fixtures.test.ts later replays the cases
through convkit without needing Python.  Groups:

  tutorial         the tutorial's four examples, at their exact sizes
  conv2d_forms     every F.conv2d argument form (int/pair, 'same'/'valid', groups, 3-D, N=0, ...)
  module_forms     nn.Conv2d with every option, every padding_mode
  composite        the tutorial's DepthwiseSeparableConv and nn.Sequential stacks
  pad_forms        F.pad: every mode, 3-D/4-D, constant values, negative (cropping) pads
  common_nn        the Conv2d entries of torch/testing/_internal/common_nn.py (extracted)
  common_modules   the Conv2d ModuleInfo inputs of torch/testing/_internal/common_modules.py
  torch_accepts    inputs torch accepts although one might expect an error
  invalid_conv2d   F.conv2d arguments torch rejects (one per rule)
  invalid_module   module constructions / forwards torch rejects (stage recorded)
  invalid_pad      F.pad arguments torch rejects

Each case declares whether torch must give an output or an error; generation
fails loudly if torch disagrees, so an invalid case is only ever one torch
really rejects.  Generation is deterministic (every case seeds torch from its
id).  Run from the repository root:

    /usr/bin/python3 tools/torch/make_fixtures.py [--out test/fixtures]
"""

import os
import sys
import types
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from caselib import ERROR, OK, build_module, randn, seed_for, torch, write_fixtures  # noqa: E402

nn = torch.nn


# ---------------------------------------------------------------------------
# Small helpers: each seeds torch from the case id, then draws its tensors.
# `backward` (caselib's CaseWriter._backward) also records gradients
# (make_grad_fixtures.py).
# ---------------------------------------------------------------------------


def conv(w, group, case_id, x_shape, w_shape, bias=True, options=None, *,
         bias_shape=None, omit_bias=False, expect=OK, note=None, backward=None):
    seed_for(case_id)
    x = randn(*x_shape)
    weight = randn(*w_shape)
    b = None
    if bias:
        b = randn(*(bias_shape if bias_shape is not None else (w_shape[0],)))
    w.conv2d(group, case_id, x, weight, b, options, omit_bias=omit_bias, expect=expect, note=note,
             backward=backward)


def pad(w, group, case_id, x_shape, pads, mode=None, value=None, *, expect=OK, note=None, backward=None):
    seed_for(case_id)
    w.pad(group, case_id, randn(*x_shape), pads, mode, value, expect=expect, note=note, backward=backward)


def module(w, group, case_id, spec, x_shape, *, expect=OK, note=None, backward=None):
    seed_for(case_id)
    x = randn(*x_shape)
    w.module(group, case_id, spec, x, expect=expect, note=note, backward=backward)


def module_cases(w, group, x_shape):
    """A function m(name, spec, x_shape=x_shape, **kw) adding the module case `group/name` to `group`."""
    def m(name, spec, x_shape=x_shape, **kw):
        module(w, group, f"{group}/{name}", spec, x_shape, **kw)
    return m


def conv2d_spec(cin, cout, kernel, **options):
    return {"type": "Conv2d", "inChannels": cin, "outChannels": cout,
            "kernelSize": kernel, "options": options}


def dsc_spec(cin, cout, kernel=None, **options):
    spec = {"type": "DepthwiseSeparableConv2d", "inChannels": cin, "outChannels": cout}
    if kernel is not None:
        spec["kernelSize"] = kernel
    if options:
        spec["options"] = options
    return spec


def seq_spec(*modules):
    return {"type": "Sequential", "modules": list(modules)}


RELU = {"type": "ReLU"}
PADDING_MODES = ["zeros", "reflect", "replicate", "circular"]
PAD_MODES = ["constant", "reflect", "replicate", "circular"]


# ---------------------------------------------------------------------------
# (a) the tutorial
# ---------------------------------------------------------------------------


def tutorial(w):
    g = "tutorial"
    w.group(g, "The tutorial's four examples at their exact sizes")
    seed_for("tutorial/shared-input")
    x = randn(1, 64, 32, 32)  # shared by three examples (stored once)
    for case_id, spec, out_shape in [
        ("tutorial/pointwise_64_128", conv2d_spec(64, 128, 1), [1, 128, 32, 32]),
        ("tutorial/grouped_64_64_k3_p1_g4", conv2d_spec(64, 64, 3, padding=1, groups=4), [1, 64, 32, 32]),
        ("tutorial/depthwise_separable_64_128", dsc_spec(64, 128), [1, 128, 32, 32]),
    ]:
        seed_for(case_id)
        case = w.module(g, case_id, spec, x, expect=OK)
        assert case["output"]["shape"] == out_shape, case_id
    seed_for("tutorial/dilated_1_1_k3_d2")
    case = w.module(g, "tutorial/dilated_1_1_k3_d2", conv2d_spec(1, 1, 3, dilation=2),
                    randn(1, 1, 7, 7), expect=OK)
    assert case["output"]["shape"] == [1, 1, 3, 3]


# ---------------------------------------------------------------------------
# (b) every argument form
# ---------------------------------------------------------------------------


def conv2d_forms(w):
    g = "conv2d_forms"
    w.group(g, "conv2d(): every argument form")
    x, wt = (2, 4, 7, 6), (6, 4, 3, 3)

    def c(name, x_shape=x, w_shape=wt, bias=True, options=None, **kw):
        conv(w, g, f"{g}/{name}", x_shape, w_shape, bias, options, **kw)

    # arguments omitted / explicit defaults
    c("input_weight_only", omit_bias=True, bias=False)
    c("bias_null_options_omitted", bias=False)
    c("bias_options_omitted")
    c("options_empty", options={})
    c("explicit_defaults_int", options={"stride": 1, "padding": 0, "dilation": 1, "groups": 1})
    c("explicit_defaults_pairs", options={"stride": [1, 1], "padding": [0, 0], "dilation": [1, 1]})
    # stride
    c("stride_int_2", options={"stride": 2})
    c("stride_int_3", options={"stride": 3})
    c("stride_pair_2_1", options={"stride": [2, 1]})
    c("stride_pair_1_3", options={"stride": [1, 3]})
    c("stride_larger_than_kernel", w_shape=(6, 4, 1, 1), options={"stride": 3})
    c("stride_rounds_down", x_shape=(2, 4, 10, 9), options={"stride": [3, 4]})
    # padding
    c("padding_int_1", options={"padding": 1})
    c("padding_int_3_wider_than_kernel", w_shape=(6, 4, 2, 2), options={"padding": 3})
    c("padding_pair_2_0", options={"padding": [2, 0]})
    c("padding_pair_0_1", options={"padding": [0, 1]})
    # dilation
    c("dilation_int_2", options={"dilation": 2})
    c("dilation_pair_1_2", options={"dilation": [1, 2]})
    c("dilation_pair_3_1", options={"dilation": [3, 1]})
    c("stride_padding_dilation_pairs", x_shape=(2, 4, 9, 8),
      options={"stride": [2, 1], "padding": [1, 2], "dilation": [2, 1]})
    # 'same'
    c("same_odd_3x3", options={"padding": "same"})
    c("same_odd_5x3", w_shape=(6, 4, 5, 3), options={"padding": "same"})
    c("same_even_4x4", w_shape=(6, 4, 4, 4), options={"padding": "same"},
      note="total padding 3 per dim: torch pads 1 before, 2 after")
    c("same_even_2x5", w_shape=(6, 4, 2, 5), options={"padding": "same"})
    c("same_dilated_3x3_d2", options={"padding": "same", "dilation": 2})
    c("same_dilated_even_4x4_d2", w_shape=(6, 4, 4, 4), options={"padding": "same", "dilation": 2},
      note="dilation*(k-1) = 6 is even: symmetric")
    c("same_dilated_asymmetric_2x4_d1_3", x_shape=(2, 4, 7, 12), w_shape=(6, 4, 2, 4),
      options={"padding": "same", "dilation": [1, 3]}, note="totals 1 and 9: asymmetric in both dims")
    c("same_stride_int_1", options={"padding": "same", "stride": 1})
    c("same_stride_pair_1_1", options={"padding": "same", "stride": [1, 1]})
    c("same_kernel_1x1", w_shape=(6, 4, 1, 1), options={"padding": "same"})
    c("same_grouped", w_shape=(6, 2, 4, 3), options={"padding": "same", "groups": 2})
    c("same_no_bias", w_shape=(6, 4, 2, 2), bias=False, options={"padding": "same"})
    # 'valid'
    c("valid", options={"padding": "valid"})
    c("valid_stride_2", options={"padding": "valid", "stride": 2})
    c("valid_dilated", options={"padding": "valid", "dilation": [2, 1]})
    # groups
    c("groups_2", w_shape=(6, 2, 3, 3), options={"groups": 2})
    c("groups_3_multiplier_2", x_shape=(2, 6, 7, 6), w_shape=(6, 2, 3, 3), options={"groups": 3})
    c("groups_4_one_out_per_group", x_shape=(2, 8, 5, 5), w_shape=(4, 2, 3, 3), options={"groups": 4})
    c("groups_2_no_bias", w_shape=(6, 2, 3, 2), bias=False, options={"groups": 2})
    c("depthwise", w_shape=(4, 1, 3, 3), options={"groups": 4})
    c("depthwise_multiplier_2", w_shape=(8, 1, 3, 3), options={"groups": 4})
    c("depthwise_multiplier_3", w_shape=(12, 1, 3, 3), options={"groups": 4})
    c("depthwise_strided_padded_dilated", x_shape=(2, 4, 9, 8), w_shape=(8, 1, 3, 2),
      options={"groups": 4, "stride": [2, 1], "padding": [2, 1], "dilation": 2})
    # kernel shapes
    c("kernel_1x1", w_shape=(6, 4, 1, 1))
    c("kernel_1x5", w_shape=(6, 4, 1, 5))
    c("kernel_7x1", w_shape=(6, 4, 7, 1))
    c("kernel_equals_input", w_shape=(6, 4, 7, 6))
    c("kernel_equals_padded_input", w_shape=(6, 4, 9, 8), options={"padding": 1})
    # batch sizes and unbatched input
    c("batch_1", x_shape=(1, 4, 7, 6))
    c("batch_3", x_shape=(3, 4, 7, 6), options={"padding": 1})
    c("unbatched_3d", x_shape=(4, 7, 6))
    c("unbatched_3d_no_bias", x_shape=(4, 7, 6), bias=False, options={"stride": 2, "padding": [1, 0]})
    c("unbatched_3d_same", x_shape=(4, 7, 6), w_shape=(6, 4, 4, 2), options={"padding": "same"})
    c("unbatched_3d_depthwise", x_shape=(4, 7, 6), w_shape=(8, 1, 3, 3), options={"groups": 4})
    c("batch_0", x_shape=(0, 4, 7, 6))
    c("batch_0_no_bias_padded", x_shape=(0, 4, 7, 6), bias=False, options={"padding": 2, "stride": 2})
    c("batch_0_same", x_shape=(0, 4, 7, 6), options={"padding": "same"})
    c("batch_0_grouped", x_shape=(0, 4, 7, 6), w_shape=(6, 2, 3, 3), options={"groups": 2})
    c("single_channel", x_shape=(1, 1, 5, 5), w_shape=(1, 1, 3, 3))
    c("tiny_1x1_input", x_shape=(2, 3, 1, 1), w_shape=(2, 3, 1, 1))


def module_forms(w):
    g = "module_forms"
    w.group(g, "new Conv2d(...): every option, every paddingMode")
    x = (2, 3, 6, 5)

    m = module_cases(w, g, x)

    m("kernel_int", conv2d_spec(3, 4, 3))
    m("kernel_pair", conv2d_spec(3, 4, [3, 2]))
    m("kernel_1x1_no_options", {"type": "Conv2d", "inChannels": 3, "outChannels": 4, "kernelSize": 1})
    m("all_options_int", conv2d_spec(3, 6, 3, stride=2, padding=1, dilation=1, groups=3,
                                     bias=True, paddingMode="zeros"))
    m("all_options_pairs", conv2d_spec(3, 6, [2, 3], stride=[1, 2], padding=[2, 1],
                                       dilation=[2, 1], groups=1, bias=False))
    m("bias_false", conv2d_spec(3, 4, 3, bias=False))
    m("groups_depthwise_multiplier", conv2d_spec(3, 9, 3, groups=3, padding=1))
    m("same_even_kernel", conv2d_spec(3, 4, 4, padding="same"))
    m("same_dilated_asymmetric", conv2d_spec(3, 4, [2, 3], padding="same", dilation=[3, 1]))
    m("valid", conv2d_spec(3, 4, [2, 2], padding="valid", stride=[2, 1]))
    for mode in PADDING_MODES:
        m(f"{mode}_pad_int", conv2d_spec(3, 4, 3, padding=1, paddingMode=mode))
        m(f"{mode}_pad_pair", conv2d_spec(3, 4, 3, padding=[2, 1], paddingMode=mode))
        m(f"{mode}_pad_int_stride_2", conv2d_spec(3, 4, 3, padding=2, stride=2, paddingMode=mode))
        m(f"{mode}_same_odd", conv2d_spec(3, 4, 3, padding="same", paddingMode=mode))
        m(f"{mode}_same_even", conv2d_spec(3, 4, [4, 2], padding="same", paddingMode=mode),
          note="asymmetric 'same' padding done by the padding mode")
        m(f"{mode}_same_dilated", conv2d_spec(3, 4, 2, padding="same", dilation=3, paddingMode=mode))
        m(f"{mode}_valid", conv2d_spec(3, 4, 3, padding="valid", paddingMode=mode))
        m(f"{mode}_dilated_grouped", conv2d_spec(3, 6, 2, padding=[1, 2], dilation=2, groups=3,
                                                 paddingMode=mode))
        m(f"{mode}_batch_0", conv2d_spec(3, 4, 3, padding=1, paddingMode=mode), (0, 3, 6, 5))
        if mode != "circular":  # torch 1.13 cannot circular-pad unbatched input (fixed later)
            m(f"{mode}_unbatched_3d", conv2d_spec(3, 4, 3, padding=1, paddingMode=mode), (3, 6, 5))
            m(f"{mode}_unbatched_3d_same", conv2d_spec(3, 4, 2, padding="same", paddingMode=mode), (3, 6, 5))
    m("reflect_max_padding", conv2d_spec(3, 4, 3, padding=[5, 4], paddingMode="reflect"),
      note="reflect padding must be < the input size: 5 < H=6, 4 < W=5")
    m("circular_max_padding", conv2d_spec(3, 4, 3, padding=[6, 5], paddingMode="circular"),
      note="circular padding may equal the input size")
    m("replicate_padding_beyond_size", conv2d_spec(3, 4, 3, padding=[8, 7], paddingMode="replicate"))
    m("unbatched_3d_no_padding", conv2d_spec(3, 4, 3), (3, 6, 5))
    m("batch_0", conv2d_spec(3, 4, 3), (0, 3, 6, 5))


def composite(w):
    g = "composite"
    w.group(g, "DepthwiseSeparableConv2d (the tutorial's module) and Sequential stacks")
    x = (2, 4, 7, 6)

    m = module_cases(w, g, x)

    m("dsc_defaults", dsc_spec(4, 6))
    m("dsc_kernel_3_explicit", dsc_spec(4, 6, 3))
    m("dsc_kernel_5_padding_2", dsc_spec(4, 6, 5, padding=2))
    m("dsc_kernel_3_padding_0", dsc_spec(4, 6, 3, padding=0))
    m("dsc_stride_2", dsc_spec(4, 6, 3, stride=2))
    m("dsc_dilation_2_padding_2", dsc_spec(4, 6, 3, padding=2, dilation=2))
    m("dsc_bias_false", dsc_spec(4, 6, 3, bias=False))
    m("dsc_all_options", dsc_spec(4, 8, 3, padding=3, stride=2, dilation=3, bias=True), (2, 4, 9, 8))
    m("dsc_unbatched_3d", dsc_spec(4, 6), (4, 7, 6))
    m("dsc_batch_0", dsc_spec(4, 6), (0, 4, 7, 6))
    m("seq_conv_relu_conv", seq_spec(conv2d_spec(4, 8, 3, padding=1), RELU, conv2d_spec(8, 3, 1)))
    m("seq_dsc_stack", seq_spec(dsc_spec(4, 8), RELU, dsc_spec(8, 8, 3, stride=2), RELU,
                                conv2d_spec(8, 2, 1, bias=False)))
    m("seq_padding_modes", seq_spec(conv2d_spec(4, 6, 3, padding="same", paddingMode="reflect"), RELU,
                                    conv2d_spec(6, 6, 3, padding=1, groups=6, paddingMode="circular"),
                                    RELU, conv2d_spec(6, 2, [2, 1], padding="same",
                                                      paddingMode="replicate")))
    m("seq_unbatched_3d", seq_spec(conv2d_spec(4, 5, 3, padding=1), RELU, dsc_spec(5, 3)), (4, 7, 6))
    m("seq_relu_only", seq_spec(RELU), (2, 3, 4, 4))
    m("seq_single_conv", seq_spec(conv2d_spec(4, 2, 3)))
    m("seq_nested", seq_spec(seq_spec(conv2d_spec(4, 4, 3, padding=1), RELU), conv2d_spec(4, 2, 1)),
      note="nested Sequential: keys 0.0.weight, 0.0.bias, 1.weight, 1.bias")


def pad_forms(w):
    g = "pad_forms"
    w.group(g, "pad(): every mode, 3-D and 4-D input, values, negative (cropping) constant pads")
    x, x3 = (2, 3, 5, 6), (3, 5, 6)

    def p(name, pads, mode=None, value=None, x_shape=x, **kw):
        pad(w, g, f"{g}/{name}", x_shape, pads, mode, value, **kw)

    for mode in PAD_MODES:
        p(f"{mode}_asymmetric", [1, 2, 3, 0], mode)
        p(f"{mode}_symmetric", [2, 2, 2, 2], mode)
        p(f"{mode}_zero", [0, 0, 0, 0], mode)
        p(f"{mode}_width_only", [1, 3, 0, 0], mode)
        p(f"{mode}_height_only", [0, 0, 2, 1], mode)
        p(f"{mode}_batch_0", [1, 2, 1, 0], mode, x_shape=(0, 3, 5, 6))
        if mode != "circular":  # torch 1.13 cannot circular-pad unbatched input (fixed later)
            p(f"{mode}_unbatched_3d", [2, 1, 0, 3], mode, x_shape=x3)
    p("reflect_max", [5, 5, 4, 4], "reflect", note="reflect pads must be < the dimension (W=6, H=5)")
    p("circular_max", [6, 6, 5, 5], "circular", note="circular pads may equal the dimension")
    p("replicate_beyond_size", [8, 9, 7, 6], "replicate")
    p("constant_beyond_size", [8, 9, 7, 6], "constant")
    p("mode_omitted", [1, 2, 2, 1])
    p("constant_value_2_5", [1, 2, 2, 1], "constant", 2.5)
    p("constant_value_negative", [1, 0, 0, 2], "constant", -1.25)
    p("constant_value_0_explicit", [1, 1, 1, 1], "constant", 0)
    p("constant_value_unbatched_3d", [0, 2, 1, 1], "constant", 7, x_shape=x3)
    p("constant_negative_crop", [-1, 0, 0, -2], "constant")
    p("constant_negative_all_sides", [-1, -2, -1, -1], "constant")
    p("constant_negative_mixed", [-2, 3, 1, -1], "constant", note="crop left/bottom, pad right/top")
    p("constant_negative_mixed_value", [2, -1, -2, 1], "constant", 3.5)
    p("constant_negative_mode_omitted", [-1, -1, 0, 0])
    p("constant_negative_unbatched_3d", [-1, 1, -2, 0], "constant", x_shape=x3)
    p("constant_negative_to_empty_width", [-3, -3, 0, 0], "constant",
      note="all pads <= 0: pure crop, an empty result is allowed")
    p("constant_negative_to_empty_height", [0, 0, -2, -3], "constant")


# ---------------------------------------------------------------------------
# (c) PyTorch's own module tests
# ---------------------------------------------------------------------------


def import_torch_test_module(name):
    """Import torch.testing._internal.NAME.

    Those modules import `expecttest` (a test-only dependency Debian does not
    ship) for its TestCase base class, and parse sys.argv at import time.  We
    only need their test-parameter lists, so a stand-in expecttest is enough.
    """
    if "expecttest" not in sys.modules:
        try:
            import expecttest  # noqa: F401
        except ImportError:
            stub = types.ModuleType("expecttest")
            stub.TestCase = unittest.TestCase
            stub.ACCEPT = False
            sys.modules["expecttest"] = stub
    argv, sys.argv = sys.argv, sys.argv[:1]
    try:
        return __import__(f"torch.testing._internal.{name}", fromlist=["_"])
    finally:
        sys.argv = argv


CONV2D_POSITIONAL = ["inChannels", "outChannels", "kernelSize", "stride", "padding",
                     "dilation", "groups", "bias", "paddingMode"]


def js_value(value):
    return list(value) if isinstance(value, tuple) else value


def spec_from_args(args, kwargs):
    """Conv2d(*args, **kwargs) (torch) -> convkit module spec."""
    named = dict(zip(CONV2D_POSITIONAL, args))
    for key, value in kwargs.items():
        named[{"padding_mode": "paddingMode", "in_channels": "inChannels",
               "out_channels": "outChannels", "kernel_size": "kernelSize"}.get(key, key)] = value
    spec = {"type": "Conv2d", "inChannels": named.pop("inChannels"),
            "outChannels": named.pop("outChannels"), "kernelSize": js_value(named.pop("kernelSize"))}
    spec["options"] = {key: js_value(value) for key, value in named.items()}
    return spec


def spec_from_module(m):
    """A built nn.Conv2d -> convkit module spec (non-default attributes only)."""
    options = {}
    if m.stride != (1, 1):
        options["stride"] = list(m.stride)
    if isinstance(m.padding, str) or m.padding != (0, 0):
        options["padding"] = m.padding if isinstance(m.padding, str) else list(m.padding)
    if m.dilation != (1, 1):
        options["dilation"] = list(m.dilation)
    if m.groups != 1:
        options["groups"] = m.groups
    if m.bias is None:
        options["bias"] = False
    if m.padding_mode != "zeros":
        options["paddingMode"] = m.padding_mode
    return {"type": "Conv2d", "inChannels": m.in_channels, "outChannels": m.out_channels,
            "kernelSize": list(m.kernel_size), "options": options}


def common_nn_name(test):
    if "fullname" in test:
        return test["fullname"]
    return test["module_name"] + ("_" + test["desc"] if "desc" in test else "")


def common_nn_conv2d_tests():
    """(name, spec, original module) for each Conv2d test of common_nn."""
    cn = import_torch_test_module("common_nn")
    found = []
    for test in cn.module_tests + cn.new_module_tests:
        name = common_nn_name(test)
        if not name.startswith("Conv2d"):
            continue
        if "constructor_args" in test:
            original = nn.Conv2d(*test["constructor_args"])
            spec = spec_from_args(test["constructor_args"], {})
        else:
            original = test["constructor"]()
            spec = spec_from_module(original)
        assert isinstance(original, nn.Conv2d), name
        found.append((name, spec, original, test["input_size"]))
    return found


def check_same_module(spec, original, name):
    rebuilt = build_module(spec)
    assert repr(rebuilt) == repr(original), f"{name}: {rebuilt!r} != {original!r}"


def common_nn(w):
    g = "common_nn"
    w.group(g, "Conv2d entries of torch/testing/_internal/common_nn.py (module_tests + new_module_tests)")
    tests = common_nn_conv2d_tests()
    names = [t[0] for t in tests]
    for required in ["Conv2d", "Conv2d_groups", "Conv2d_pad_valid", "Conv2d_pad_same",
                     "Conv2d_pad_same_dilated", "Conv2d_depthwise"]:
        assert required in names, f"common_nn has no {required} test any more"
    for name, spec, original, input_size in tests:
        check_same_module(spec, original, name)
        module(w, g, f"{g}/{name}", spec, input_size)
    return names


def common_modules(w):
    g = "common_modules"
    w.group(g, "nn.Conv2d inputs of the ModuleInfo in torch/testing/_internal/common_modules.py")
    cm = import_torch_test_module("common_modules")
    info = next(i for i in cm.module_db if i.module_cls is nn.Conv2d)
    inputs = info.module_inputs_func(info, device="cpu", dtype=torch.float32,
                                     requires_grad=False, training=False)
    for index, mi in enumerate(inputs):
        args, kwargs = mi.constructor_input.args, mi.constructor_input.kwargs
        spec = spec_from_args(args, kwargs)
        check_same_module(spec, nn.Conv2d(*args, **kwargs), mi.desc)
        parts = ["Conv2d", str(index)] + ([mi.desc] if mi.desc else [])
        parts += [f"{k}_{v}" for k, v in kwargs.items()]
        module(w, g, f"{g}/{'_'.join(parts)}", spec, tuple(mi.forward_input.args[0].shape))


# ---------------------------------------------------------------------------
# Surprising acceptances
# ---------------------------------------------------------------------------


def torch_accepts(w):
    g = "torch_accepts"
    w.group(g, "Inputs torch accepts although an error might be expected: convkit must accept them too")
    conv(w, g, f"{g}/same_kernel_larger_than_input", (1, 2, 5, 5), (3, 2, 7, 7), True,
         {"padding": "same"}, note="'same' pads first, so the kernel fits")
    conv(w, g, f"{g}/same_huge_dilation", (1, 2, 5, 5), (3, 2, 3, 3), True,
         {"padding": "same", "dilation": 4})
    conv(w, g, f"{g}/kernel_equals_padded_input_dilated", (1, 2, 5, 5), (3, 2, 3, 3), True,
         {"padding": 1, "dilation": 3})
    conv(w, g, f"{g}/batch_0_kernel_fits", (0, 2, 3, 3), (3, 2, 3, 3), True)
    for mode in ["reflect", "replicate", "circular"]:
        module(w, g, f"{g}/module_negative_padding_{mode}",
               conv2d_spec(2, 3, 3, padding=-1, paddingMode=mode), (1, 2, 7, 6),
               note="non-zeros padding_mode: negative padding crops via F.pad, then a padding-0 conv")
        pad(w, g, f"{g}/pad_{mode}_all_negative_crops", (2, 3, 5, 6), [-1, -2, 0, -1], mode,
            note="all pads <= 0: every mode is a plain crop")
    pad(w, g, f"{g}/pad_replicate_mixed_sign", (2, 3, 5, 6), [-2, 3, 1, -1], "replicate",
        note="equal to cropping, then replicate-padding the cropped tensor")
    for mode in ["reflect", "replicate", "circular"]:
        pad(w, g, f"{g}/pad_{mode}_value_0", (2, 3, 5, 6), [1, 1, 2, 0], mode, 0,
            note="value=0 is accepted for non-constant modes (any other value raises)")
    module(w, g, f"{g}/module_reflect_pad_just_below_size",
           conv2d_spec(2, 3, 3, padding=[0, 4], paddingMode="reflect"), (1, 2, 3, 5))
    module(w, g, f"{g}/module_circular_same_pad_equals_size",
           conv2d_spec(2, 3, 7, padding="same", paddingMode="circular"), (1, 2, 3, 3),
           note="'same' with k=7 pads 3 per side, equal to the size: allowed for circular")
    module(w, g, f"{g}/module_valid_reflect_tiny_input",
           conv2d_spec(2, 3, 3, padding="valid", paddingMode="reflect"), (1, 2, 3, 3))


# ---------------------------------------------------------------------------
# (d) invalid cases
# ---------------------------------------------------------------------------


def invalid_conv2d(w):
    g = "invalid_conv2d"
    w.group(g, "conv2d() arguments torch rejects: convkit must throw")
    x, wt = (2, 4, 7, 6), (6, 4, 3, 3)

    def bad(name, x_shape=x, w_shape=wt, options=None, bias=True, **kw):
        conv(w, g, f"{g}/{name}", x_shape, w_shape, bias, options, expect=ERROR, **kw)

    bad("groups_zero", options={"groups": 0})
    bad("groups_negative", options={"groups": -2})
    bad("channels_not_divisible_by_groups", x_shape=(2, 5, 7, 6), w_shape=(6, 2, 3, 3), options={"groups": 2})
    bad("weight_in_channels_mismatch", w_shape=(6, 3, 3, 3))
    bad("weight_in_channels_mismatch_grouped", w_shape=(6, 4, 3, 3), options={"groups": 2})
    bad("weight_in_channels_mismatch_depthwise", w_shape=(4, 2, 3, 3), options={"groups": 4})
    bad("out_channels_not_divisible_by_groups", w_shape=(5, 2, 3, 3), options={"groups": 2})
    bad("out_channels_zero", w_shape=(0, 4, 3, 3), bias=False)
    bad("stride_zero", options={"stride": 0})
    bad("stride_negative", options={"stride": -1})
    bad("stride_pair_zero", options={"stride": [1, 0]})
    bad("dilation_zero", options={"dilation": 0})
    bad("dilation_pair_negative", options={"dilation": [1, -1]})
    bad("padding_negative", options={"padding": -1})
    bad("padding_pair_negative", options={"padding": [0, -2]})
    bad("kernel_larger_than_input", w_shape=(6, 4, 8, 3))
    bad("kernel_larger_than_padded_input", w_shape=(6, 4, 3, 9), options={"padding": 1})
    bad("dilated_kernel_larger_than_input", options={"dilation": 4})
    bad("valid_kernel_larger_than_input", w_shape=(6, 4, 3, 7), options={"padding": "valid"})
    bad("kernel_larger_than_input_batch_0", x_shape=(0, 4, 2, 2))
    bad("kernel_zero_size", w_shape=(6, 4, 0, 3))
    bad("input_height_zero_padded", x_shape=(2, 4, 0, 6), w_shape=(6, 4, 1, 1), options={"padding": 1},
        note="only the batch may be empty")
    bad("input_width_zero", x_shape=(2, 4, 7, 0), w_shape=(6, 4, 1, 1))
    bad("input_rank_1", x_shape=(6,))
    bad("input_rank_2", x_shape=(7, 6))
    bad("input_rank_5", x_shape=(1, 2, 4, 7, 6))
    bad("weight_rank_2", w_shape=(6, 4))
    bad("weight_rank_3", w_shape=(6, 4, 3))
    bad("weight_rank_5", w_shape=(6, 4, 3, 3, 1))
    bad("bias_too_short", bias_shape=(5,))
    bad("bias_too_long", bias_shape=(7,))
    bad("bias_rank_2", bias_shape=(6, 1))
    bad("stride_fractional", options={"stride": 1.5})
    bad("stride_pair_fractional", options={"stride": [1, 1.5]})
    bad("padding_fractional", options={"padding": 1.5})
    bad("dilation_fractional", options={"dilation": 1.5})
    bad("groups_fractional", options={"groups": 1.5})
    bad("same_with_stride_2", options={"padding": "same", "stride": 2})
    bad("same_with_stride_pair_1_2", options={"padding": "same", "stride": [1, 2]})
    bad("unknown_padding_string", options={"padding": "full"})
    bad("padding_string_wrong_case", options={"padding": "SAME"})
    bad("stride_triple", options={"stride": [1, 1, 1]})
    bad("padding_empty_array", options={"padding": []})
    bad("unbatched_wrong_channels", x_shape=(3, 7, 6))
    bad("batch_0_wrong_channels", x_shape=(0, 3, 7, 6))


def invalid_module(w):
    g = "invalid_module"
    w.group(g, "Module constructions and forwards torch rejects (stage = where torch raised)")
    x = (2, 4, 6, 5)

    def bad(name, spec, x_shape=x, **kw):
        module(w, g, f"{g}/{name}", spec, x_shape, expect=ERROR, **kw)

    # raised by the constructor
    bad("groups_zero", conv2d_spec(4, 4, 3, groups=0))
    bad("groups_negative", conv2d_spec(4, 4, 3, groups=-1))
    bad("groups_fractional", conv2d_spec(3, 3, 3, groups=1.5))
    bad("in_channels_not_divisible_by_groups", conv2d_spec(5, 4, 3, groups=2), (2, 5, 6, 5))
    bad("out_channels_not_divisible_by_groups", conv2d_spec(4, 5, 3, groups=2))
    bad("in_channels_negative", conv2d_spec(-1, 4, 3))
    bad("out_channels_negative", conv2d_spec(4, -2, 3))
    bad("kernel_negative", conv2d_spec(4, 4, -1))
    bad("kernel_fractional", conv2d_spec(4, 4, 1.5))
    bad("same_with_stride_2", conv2d_spec(4, 4, 3, stride=2, padding="same"))
    bad("same_with_stride_pair", conv2d_spec(4, 4, 3, stride=[2, 1], padding="same"))
    bad("same_with_stride_zero", conv2d_spec(4, 4, 3, stride=0, padding="same"))
    bad("unknown_padding_string", conv2d_spec(4, 4, 3, padding="full"))
    bad("unknown_padding_mode", conv2d_spec(4, 4, 3, padding=1, paddingMode="mirror"))
    bad("padding_mode_constant_is_not_a_padding_mode", conv2d_spec(4, 4, 3, paddingMode="constant"))
    bad("dsc_zero_channels", dsc_spec(0, 4), (2, 0, 6, 5))
    bad("sequential_with_invalid_child", seq_spec(conv2d_spec(4, 4, 3), RELU, conv2d_spec(4, 5, 1, groups=2)))
    # raised by forward
    bad("stride_zero", conv2d_spec(4, 4, 3, stride=0))
    bad("stride_negative", conv2d_spec(4, 4, 3, stride=[1, -1]))
    bad("stride_fractional", conv2d_spec(4, 4, 3, stride=1.5))
    bad("dilation_zero", conv2d_spec(4, 4, 3, dilation=0))
    bad("dilation_fractional", conv2d_spec(4, 4, 3, dilation=[1, 2.5]))
    bad("padding_negative_zeros_mode", conv2d_spec(4, 4, 3, padding=-1))
    bad("padding_fractional", conv2d_spec(4, 4, 3, padding=0.5))
    bad("padding_fractional_reflect", conv2d_spec(4, 4, 3, padding=1.5, paddingMode="reflect"))
    bad("kernel_zero", conv2d_spec(4, 4, 0))
    bad("out_channels_zero", conv2d_spec(4, 0, 3))
    bad("kernel_larger_than_input", conv2d_spec(4, 4, [7, 2]))
    bad("kernel_larger_than_padded_input_reflect", conv2d_spec(4, 4, 9, padding=1, paddingMode="reflect"))
    bad("input_rank_2", conv2d_spec(4, 4, 3), (6, 5))
    bad("input_rank_5", conv2d_spec(4, 4, 3), (1, 2, 4, 6, 5))
    bad("input_rank_2_reflect", conv2d_spec(4, 4, 3, padding=1, paddingMode="reflect"), (6, 5))
    bad("input_rank_5_replicate", conv2d_spec(4, 4, 3, padding=1, paddingMode="replicate"), (1, 2, 4, 6, 5))
    bad("input_wrong_channels", conv2d_spec(4, 4, 3), (2, 3, 6, 5))
    bad("input_wrong_channels_grouped", conv2d_spec(4, 4, 3, groups=2), (2, 2, 6, 5))
    bad("reflect_padding_equals_width", conv2d_spec(4, 4, 3, padding=[0, 5], paddingMode="reflect"))
    bad("reflect_padding_equals_height", conv2d_spec(4, 4, 3, padding=[6, 0], paddingMode="reflect"))
    bad("reflect_padding_exceeds", conv2d_spec(4, 4, 3, padding=9, paddingMode="reflect"))
    bad("reflect_same_padding_too_large", conv2d_spec(4, 4, 7, padding="same", paddingMode="reflect"), (1, 4, 3, 3))
    bad("reflect_batch_0_padding_too_large", conv2d_spec(4, 4, 3, padding=3, paddingMode="reflect"), (0, 4, 2, 2))
    bad("circular_padding_exceeds", conv2d_spec(4, 4, 3, padding=[0, 6], paddingMode="circular"))
    bad("circular_same_padding_exceeds", conv2d_spec(4, 4, 9, padding="same", paddingMode="circular"), (1, 4, 3, 3))
    bad("dsc_wrong_channels", dsc_spec(4, 6), (2, 3, 6, 5))
    bad("dsc_input_rank_2", dsc_spec(4, 6), (6, 5))
    bad("sequential_channel_mismatch", seq_spec(conv2d_spec(4, 8, 3), RELU, conv2d_spec(4, 2, 1)))


def invalid_pad(w):
    g = "invalid_pad"
    w.group(g, "pad() arguments torch rejects: convkit must throw")
    x = (2, 3, 5, 6)

    def bad(name, pads, mode=None, value=None, x_shape=x, **kw):
        pad(w, g, f"{g}/{name}", x_shape, pads, mode, value, expect=ERROR, **kw)

    bad("reflect_left_equals_width", [6, 0, 0, 0], "reflect")
    bad("reflect_right_exceeds_width", [0, 7, 0, 0], "reflect")
    bad("reflect_top_equals_height", [0, 0, 5, 0], "reflect")
    bad("reflect_bottom_equals_height_unbatched", [0, 0, 0, 5], "reflect", x_shape=(3, 5, 6))
    bad("reflect_batch_0_too_large", [2, 2, 0, 0], "reflect", x_shape=(0, 3, 2, 2))
    bad("circular_left_exceeds_width", [7, 0, 0, 0], "circular")
    bad("circular_bottom_exceeds_height", [0, 0, 0, 6], "circular")
    bad("reflect_with_value", [1, 1, 1, 1], "reflect", 2.5)
    bad("replicate_with_value", [1, 1, 1, 1], "replicate", 1)
    bad("circular_with_value", [1, 1, 1, 1], "circular", -1)
    bad("unknown_mode", [1, 1, 1, 1], "mirror")
    bad("padding_mode_name_zeros_is_not_a_pad_mode", [1, 1, 1, 1], "zeros")
    bad("pads_odd_length", [1, 1, 1], "constant")
    bad("pads_fractional", [1.5, 1, 1, 1], "constant")
    bad("pads_fractional_reflect", [1, 1, 0.5, 1], "reflect")
    bad("reflect_input_rank_2", [1, 1, 1, 1], "reflect", x_shape=(5, 6))
    bad("replicate_input_rank_5", [1, 1, 1, 1], "replicate", x_shape=(1, 2, 3, 5, 6))
    bad("circular_input_rank_2", [1, 1, 1, 1], "circular", x_shape=(5, 6))
    bad("constant_crop_beyond_size", [-4, -3, 0, 0], "constant")
    bad("constant_crop_one_side_beyond_size", [-7, 3, 0, 0], "constant",
        note="torch crops before padding: one side may not remove more than the dimension has")
    bad("constant_crop_right_beyond_size_mode_omitted", [2, -7, 0, 0])


# ---------------------------------------------------------------------------


def main():
    write_fixtures("tools/torch/make_fixtures.py", "torch-cases",
                   [tutorial, conv2d_forms, module_forms, composite, pad_forms, common_nn, common_modules,
                    torch_accepts, invalid_conv2d, invalid_module, invalid_pad], __doc__)


if __name__ == "__main__":
    main()
