"""Generate convkit's committed PyTorch gradient fixtures
(test/fixtures/torch-grad-cases.{json,bin}), replayed by test/grad-fixtures.test.ts
without Python.  Groups:

  grad_tutorial    the tutorial's four layers (on 4x4 images where the tutorial's are 32x32)
  grad_conv2d      F.conv2d's argument forms, backpropagated
  grad_module      nn.Conv2d in every padding mode, backpropagated (parameters by state-dict key)
  grad_composite   DepthwiseSeparableConv and nn.Sequential with ReLU, backpropagated
  grad_pad         F.pad in every mode, backpropagated
  grad_graph       convolutions followed by ReLU, broadcast add/sub/mul, sum/mean,
                   reshape and flatten, backpropagated
  grad_backward_errors  backward calls torch rejects (no gradient for a non-scalar, a gradient
                   of the wrong shape, a second backward through a freed graph)
  grad_functional  torch.nn.grad.conv2d_input / conv2d_weight calls torch accepts
  grad_invalid     torch.nn.grad calls torch rejects (one per rule)

Every backpropagated case records the gradient of the input and of every
weight, bias or parameter for a random R, as y.backward(R) unless the case
says (y * R).sum().backward() or twice (gradients accumulate).  Like
make_fixtures.py (whose helpers this uses), each case seeds torch from its id,
declares whether torch must give an output or an error, and generation is
deterministic.  Run from the repository root:

    /usr/bin/python3 tools/torch/make_grad_fixtures.py [--out test/fixtures]
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from caselib import ERROR, OK, randn, seed_for, write_fixtures  # noqa: E402
from make_fixtures import (PAD_MODES, PADDING_MODES, RELU, conv, conv2d_spec, dsc_spec,  # noqa: E402
                           module_cases, pad, seq_spec)
from functional_draws import output_shape  # noqa: E402

BACKWARD = {"loss": "backward"}
SUM = {"loss": "sum"}
TWICE = {"loss": "backward", "times": 2}


def tutorial(w):
    g = "grad_tutorial"
    w.group(g, "The tutorial's four layers, backpropagated (4x4 images instead of 32x32, to keep the file small)")
    m = module_cases(w, g, (1, 64, 4, 4))
    m("pointwise_64_128", conv2d_spec(64, 128, 1), backward=BACKWARD)
    m("dilated_1_1_k3_d2", conv2d_spec(1, 1, 3, dilation=2), (1, 1, 7, 7), backward=BACKWARD)
    m("grouped_64_64_k3_p1_g4", conv2d_spec(64, 64, 3, padding=1, groups=4), backward=BACKWARD)
    m("depthwise_separable_64_128", dsc_spec(64, 128), backward=BACKWARD)


def conv2d_forms(w):
    g = "grad_conv2d"
    w.group(g, "conv2d(): argument forms, backpropagated (input, weight and bias gradients)")
    x, wt = (2, 4, 7, 6), (6, 4, 3, 3)

    def c(name, x_shape=x, w_shape=wt, bias=True, options=None, backward=BACKWARD, **kw):
        conv(w, g, f"{g}/{name}", x_shape, w_shape, bias, options, backward=backward, **kw)

    c("input_weight_only", omit_bias=True, bias=False)
    c("bias_null", bias=False, options={})
    c("plain")
    c("loss_sum", backward=SUM)
    c("backward_twice_accumulates", backward=TWICE)
    c("padding_int", options={"padding": 1})
    c("padding_pair", options={"padding": [2, 0]})
    c("stride_2", options={"stride": 2})
    c("stride_pair_leaves_rows_unread", x_shape=(2, 4, 10, 9), options={"stride": [3, 4]},
      note="the last rows and columns are read by no output: their gradient is 0")
    c("dilation_pair", options={"dilation": [2, 1], "padding": [1, 2]})
    c("same_odd", options={"padding": "same"})
    c("same_even_asymmetric", w_shape=(6, 4, 4, 2), options={"padding": "same"})
    c("same_dilated_asymmetric", x_shape=(2, 4, 7, 12), w_shape=(6, 4, 2, 4),
      options={"padding": "same", "dilation": [1, 3]})
    c("valid", options={"padding": "valid", "stride": 2})
    c("groups_2", w_shape=(6, 2, 3, 3), options={"groups": 2})
    c("groups_3_multiplier_2", x_shape=(2, 6, 7, 6), w_shape=(6, 2, 3, 3), options={"groups": 3})
    c("depthwise", w_shape=(4, 1, 3, 3), options={"groups": 4, "padding": 1})
    c("depthwise_multiplier_3", w_shape=(12, 1, 3, 3), options={"groups": 4})
    c("depthwise_strided_padded_dilated", x_shape=(2, 4, 9, 8), w_shape=(8, 1, 3, 2),
      options={"groups": 4, "stride": [2, 1], "padding": [2, 1], "dilation": 2})
    c("kernel_1x1_strided", w_shape=(6, 4, 1, 1), options={"stride": 2})
    c("kernel_equals_padded_input", w_shape=(6, 4, 9, 8), options={"padding": 1})
    c("winograd_3x3", x_shape=(1, 12, 14, 13), w_shape=(12, 12, 3, 3), options={"padding": 1},
      note="12 channels, 3x3 at stride 1: a Winograd layer in the wasm backend")
    c("winograd_3x3_stride_2", x_shape=(1, 24, 16, 16), w_shape=(24, 24, 3, 3), options={"padding": 1, "stride": 2},
      note="24 channels, 3x3 at stride 2: the stride-2 Winograd layer in the wasm backend")
    c("unbatched_3d", x_shape=(4, 7, 6))
    c("unbatched_3d_same_depthwise", x_shape=(4, 7, 6), w_shape=(8, 1, 4, 3), options={"padding": "same", "groups": 4})
    c("batch_0", x_shape=(0, 4, 7, 6), note="no outputs: the weight and bias gradients are 0")
    c("batch_0_grouped_padded", x_shape=(0, 4, 7, 6), w_shape=(6, 2, 3, 3), options={"groups": 2, "padding": 1})


def module_forms(w):
    g = "grad_module"
    w.group(g, "new Conv2d(...) in every paddingMode, backpropagated (input and parameter gradients)")
    m = module_cases(w, g, (2, 3, 6, 5))
    for mode in PADDING_MODES:
        m(f"{mode}_pad_int", conv2d_spec(3, 4, 3, padding=1, paddingMode=mode), backward=BACKWARD)
        m(f"{mode}_pad_pair_stride_2", conv2d_spec(3, 4, 3, padding=[2, 1], stride=2, paddingMode=mode),
          backward=SUM)
        m(f"{mode}_same_even", conv2d_spec(3, 4, [4, 2], padding="same", paddingMode=mode), backward=BACKWARD,
          note="asymmetric 'same' padding done by the padding mode")
        m(f"{mode}_dilated_grouped", conv2d_spec(3, 6, 2, padding=[1, 2], dilation=2, groups=3, paddingMode=mode),
          backward=BACKWARD)
        m(f"{mode}_batch_0", conv2d_spec(3, 4, 3, padding=1, paddingMode=mode), (0, 3, 6, 5), backward=BACKWARD)
        if mode != "circular":  # torch 1.13 cannot circular-pad unbatched input (fixed later)
            m(f"{mode}_unbatched_3d", conv2d_spec(3, 4, 3, padding=1, paddingMode=mode), (3, 6, 5),
              backward=BACKWARD)
    m("reflect_max_padding", conv2d_spec(3, 4, 3, padding=[5, 4], paddingMode="reflect"), backward=BACKWARD,
      note="reflect padding = size - 1: every edge pixel's gradient gathers from far away")
    m("circular_max_padding", conv2d_spec(3, 4, 3, padding=[6, 5], paddingMode="circular"), backward=BACKWARD)
    m("replicate_padding_beyond_size", conv2d_spec(3, 4, 3, padding=[8, 7], paddingMode="replicate"),
      backward=BACKWARD)
    m("no_bias_depthwise_multiplier", conv2d_spec(3, 9, 3, groups=3, padding=1, bias=False), backward=TWICE)
    m("valid_strided", conv2d_spec(3, 4, [2, 2], padding="valid", stride=[2, 1]), backward=SUM)


def composite(w):
    g = "grad_composite"
    w.group(g, "DepthwiseSeparableConv2d and Sequential stacks with ReLU, backpropagated")
    m = module_cases(w, g, (2, 4, 7, 6))
    m("dsc_defaults", dsc_spec(4, 6), backward=BACKWARD)
    m("dsc_kernel_5_padding_2_no_bias", dsc_spec(4, 6, 5, padding=2, bias=False), backward=BACKWARD)
    m("dsc_stride_2_dilation_2", dsc_spec(4, 3, 3, padding=2, stride=2, dilation=2), backward=SUM)
    m("dsc_unbatched_3d", dsc_spec(4, 6), (4, 7, 6), backward=BACKWARD)
    m("dsc_batch_0", dsc_spec(4, 6), (0, 4, 7, 6), backward=BACKWARD)
    m("seq_conv_relu_conv", seq_spec(conv2d_spec(4, 8, 3, padding="same"), RELU, conv2d_spec(8, 3, 3, stride=2)),
      backward=BACKWARD, note="the ReLU passes gradient only where its output is positive")
    m("seq_reflect_relu_dsc_relu", seq_spec(conv2d_spec(4, 5, 3, padding="same", paddingMode="reflect"), RELU,
                                            dsc_spec(5, 6), RELU), backward=TWICE)
    m("seq_nested", seq_spec(seq_spec(conv2d_spec(4, 4, 3, padding=1, groups=4), RELU),
                             conv2d_spec(4, 2, 1)), backward=SUM)
    m("seq_unbatched", seq_spec(conv2d_spec(4, 5, 2, padding="same", paddingMode="replicate"), RELU,
                                conv2d_spec(5, 2, 3, bias=False)), (4, 7, 6), backward=BACKWARD)


def pad_forms(w):
    g = "grad_pad"
    w.group(g, "pad() in every mode, backpropagated (the input gradient)")

    def p(name, x_shape, pads, mode=None, value=None, backward=BACKWARD, **kw):
        pad(w, g, f"{g}/{name}", x_shape, pads, mode, value, backward=backward, **kw)

    x = (2, 3, 4, 5)
    for mode in PAD_MODES:
        p(f"{mode}_4d", x, [2, 1, 3, 1], mode)
        p(f"{mode}_one_side", x, [0, 0, 1, 0], mode, backward=SUM)
        if mode != "circular":  # torch 1.13 cannot circular-pad unbatched input (fixed later)
            p(f"{mode}_unbatched_3d", (3, 4, 5), [1, 2, 0, 3], mode)
        p(f"{mode}_batch_0", (0, 3, 4, 5), [1, 1, 1, 1], mode)
    p("reflect_max", x, [4, 4, 3, 3], "reflect", note="pads = size - 1: sources reflected from both edges")
    p("circular_max", x, [5, 5, 4, 4], "circular", note="pads = size: the whole image wraps once on each side")
    p("replicate_beyond_size", x, [7, 6, 5, 9], "replicate")
    p("constant_value", x, [1, 2, 2, 1], "constant", 2.5, note="the fill value gets no gradient")
    p("constant_crop", x, [-1, -2, 0, -1], "constant")
    p("constant_crop_and_pad", x, [-2, 1, 2, -1], backward=TWICE)


def graphs(w):
    g = "grad_graph"
    w.group(g, "A convolution or pad followed by relu, broadcast add/sub/mul, sum/mean, reshape, flatten")

    def graph(name, leaf_shapes, steps, backward=BACKWARD, **kw):
        case_id = f"{g}/{name}"
        seed_for(case_id)
        leaves = {leaf: randn(*shape) for leaf, shape in leaf_shapes.items()}
        w.graph(g, case_id, leaves, steps, backward=backward, expect=OK, **kw)

    conv = {"op": "conv2d", "weight": "w", "bias": "b", "options": {"padding": 1}}
    x, shapes = (2, 3, 5, 4), {"x": (2, 3, 5, 4), "w": (4, 3, 3, 3), "b": (4,)}
    graph("conv_relu_mean_loss", shapes, [conv, {"op": "relu"}, {"op": "mean"}],
          note="a scalar loss: backward(R) with a 0-d R")
    graph("conv_sum_implicit_gradient", shapes, [conv, {"op": "sum"}], backward={"loss": "implicit"},
          note="y.backward() with no gradient: y is a scalar")
    graph("add_channel_bias", dict(shapes, c=(4, 1, 1)), [conv, {"op": "add", "other": "c"}, {"op": "relu"}],
          note="c broadcasts over the batch and the positions: its gradient sums over them")
    graph("mul_row_swapped", dict(shapes, c=(4,)), [conv, {"op": "mul", "other": "c", "swap": True}], backward=SUM,
          note="c (4,) broadcasts along the width (size 4)")
    graph("sub_number_and_tensor", dict(shapes, c=(1, 4, 1, 4)),
          [conv, {"op": "sub", "other": 0.5, "swap": True}, {"op": "sub", "other": "c"}])
    graph("sum_keepdim_then_mul", dict(shapes, c=(2, 1, 5, 4)),
          [conv, {"op": "sum", "dims": [1], "keepdim": True}, {"op": "mul", "other": "c"}, {"op": "sum", "dims": [-1, 0]}])
    graph("mean_spatial_flatten", shapes,
          [conv, {"op": "relu"}, {"op": "mean", "dims": [2, 3]}, {"op": "flatten"}], backward=TWICE)
    graph("reshape_then_sum", shapes, [conv, {"op": "reshape", "shape": [2, -1]}, {"op": "sum", "dims": [1]}])
    graph("flatten_middle", shapes, [conv, {"op": "flatten", "start": 1, "end": 2}, {"op": "relu"}])
    graph("pad_reflect_conv", {"x": x, "w": (2, 3, 2, 2)},
          [{"op": "pad", "pads": [1, 1, 2, 0], "mode": "reflect"}, {"op": "conv2d", "weight": "w"}, {"op": "sum"}])
    graph("unbatched_conv_mean_keepdim", {"x": (3, 5, 4), "w": (2, 3, 2, 2), "c": (2, 1, 1)},
          [{"op": "conv2d", "weight": "w", "options": {"padding": "same"}}, {"op": "mul", "other": "c"},
           {"op": "mean", "dims": [0, 2], "keepdim": True}])


def backward_errors(w):
    g = "grad_backward_errors"
    w.group(g, "backward calls torch rejects: convkit's backward must throw")
    x = (2, 3, 5, 4)

    def error(name, backward, steps=({"op": "conv2d", "weight": "w", "bias": "b"},), **kw):
        case_id = f"{g}/{name}"
        seed_for(case_id)
        leaves = {"x": randn(*x), "w": randn(4, 3, 3, 3), "b": randn(4)}
        w.graph(g, case_id, leaves, list(steps), backward=dict(backward, error=True), expect=OK, **kw)

    error("implicit_gradient_non_scalar", {"loss": "implicit"}, note="y.backward() needs a scalar y")
    error("gradient_wrong_shape", {"loss": "backward", "gradOutputShape": (2, 4, 3, 3)})
    error("gradient_transposed_shape", {"loss": "backward", "gradOutputShape": (4, 2, 3, 2)},
          note="as many elements as y, in another shape")
    error("gradient_missing_batch_dimension", {"loss": "backward", "gradOutputShape": (4, 3, 2)},
          note="y's shape cannot broadcast to R's: torch does not reduce R")
    error("second_backward_through_freed_graph", {"loss": "backward", "times": 2, "retain": False},
          note="the convolution's saved tensors are freed by the first backward")


def functional(w, group, case_id, name, x_shape, w_shape, options=None, *, go_shape=None, expect=OK, note=None):
    """torch.nn.grad.<name>_grad on a random input / weight and grad_output (of the conv's output shape
    unless given); the shape argument (input_size or weight_size) is passed as a list."""
    seed_for(case_id)
    go = randn(*(go_shape or output_shape(x_shape, w_shape, options)))
    if name == "conv2d_input":
        first, second = list(x_shape), randn(*w_shape)
    else:
        first, second = randn(*x_shape), list(w_shape)
    w.conv2d_grad(group, case_id, name, first, second, go, options, expect=expect, note=note)


def functional_forms(w):
    g = "grad_functional"
    w.group(g, "conv2dInputGrad / conv2dWeightGrad: torch.nn.grad.conv2d_input / conv2d_weight calls torch accepts")
    x, wt = [2, 4, 7, 6], [6, 4, 3, 3]
    for name in ("conv2d_input", "conv2d_weight"):
        def f(label, x_shape=x, w_shape=wt, options=None, **kw):
            functional(w, g, f"{g}/{name}_{label}", name, x_shape, w_shape, options, **kw)

        f("options_omitted")
        f("options_empty", options={})
        f("padding_stride_dilation_pairs", [2, 4, 9, 8], options={"stride": [2, 1], "padding": [1, 2], "dilation": [2, 1]})
        f("grouped", w_shape=[6, 2, 3, 3], options={"groups": 2, "padding": 1})
        f("depthwise_multiplier_2", w_shape=[8, 1, 3, 3], options={"groups": 4, "stride": 2})
        f("stride_2_largest_input", [2, 4, 8, 9], options={"stride": 2},
          note="stride 2 leaves the last row and column unread: 7 and 8 give the same output size")
        f("stride_3_smallest_input", [2, 4, 6, 9], options={"stride": 3})
        f("kernel_1x1_stride_2_even_input", [2, 4, 6, 6], [6, 4, 1, 1], options={"stride": 2})
        f("batch_0", [0, 4, 7, 6])
        f("winograd_3x3", [1, 12, 10, 9], [12, 12, 3, 3], options={"padding": 1})


def invalid_functional(w):
    g = "grad_invalid"
    w.group(g, "conv2dInputGrad / conv2dWeightGrad calls torch.nn.grad rejects: convkit must throw")
    x, wt, go = [2, 4, 7, 6], [6, 4, 3, 3], [2, 6, 5, 4]

    def bad(label, name, x_shape=x, w_shape=wt, options=None, go_shape=go, **kw):
        functional(w, g, f"{g}/{name}_{label}", name, x_shape, w_shape, options, go_shape=go_shape,
                   expect=ERROR, **kw)

    for name in ("conv2d_input", "conv2d_weight"):
        bad("input_3d", name, [4, 7, 6], go_shape=[6, 5, 4], note="torch.nn.grad takes no unbatched input")
        bad("input_2d", name, [7, 6])
        bad("weight_3d", name, w_shape=[6, 4, 3])
        bad("grad_output_3d", name, go_shape=[6, 5, 4])
        bad("groups_negative", name, options={"groups": -1})
        bad("groups_not_dividing_in_channels", name, w_shape=[6, 2, 3, 3], options={"groups": 3})
        bad("groups_not_dividing_out_channels", name, w_shape=[5, 2, 3, 3], options={"groups": 2}, go_shape=[2, 5, 5, 4])
        bad("input_channels_mismatch", name, [2, 5, 7, 6])
        bad("grad_output_channels_mismatch", name, go_shape=[2, 5, 5, 4])
        bad("grad_output_height_mismatch", name, go_shape=[2, 6, 4, 4])
        bad("grad_output_width_mismatch", name, go_shape=[2, 6, 5, 5])
        bad("input_one_past_largest", name, [2, 4, 9, 6], options={"stride": 2}, go_shape=[2, 6, 3, 4],
            note="inputs of height 7 and 8 give 3 rows at stride 2, 9 gives 4")
        bad("input_one_below_smallest", name, [2, 4, 6, 6], options={"stride": 2}, go_shape=[2, 6, 3, 4])
        bad("kernel_mismatch", name, w_shape=[6, 4, 2, 3])
        bad("kernel_larger_than_padded_input", name, [2, 4, 2, 6], go_shape=[2, 6, 0, 4])
        bad("stride_zero", name, options={"stride": 0})
        bad("padding_negative", name, options={"padding": [-1, 0]})
        bad("dilation_negative", name, [1, 4, 7, 6], options={"dilation": -1}, go_shape=[1, 6, 5, 4],
            note="torch checks dilation on this path (batch 1), not on every path")
        bad("padding_same", name, options={"padding": "same"}, go_shape=[2, 6, 7, 6],
            note="torch.nn.grad takes int or pair padding only")
        bad("padding_valid", name, options={"padding": "valid"})
        bad("stride_fractional", name, options={"stride": 1.5})
        bad("groups_fractional", name, options={"groups": 1.5})
        bad("stride_three_values", name, options={"stride": [1, 1, 1]})
    bad("input_shape_negative", "conv2d_input", [2, 4, -1, 6])
    bad("input_shape_fractional", "conv2d_input", [2, 4, 7.5, 6])
    bad("weight_shape_negative", "conv2d_weight", w_shape=[6, 4, -1, 3])
    bad("weight_shape_fractional", "conv2d_weight", w_shape=[6, 4, 3, 2.5])
    bad("grad_output_batch_mismatch", "conv2d_input", w_shape=[8, 1, 3, 3], options={"groups": 4},
        go_shape=[3, 8, 5, 4], note="torch checks the batch size on this (mkldnn) path, not on every path")


def main():
    write_fixtures("tools/torch/make_grad_fixtures.py", "torch-grad-cases",
                   [tutorial, conv2d_forms, module_forms, composite, pad_forms, graphs, backward_errors,
                    functional_forms, invalid_functional], __doc__)


if __name__ == "__main__":
    main()
