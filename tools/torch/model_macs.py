"""Reference costs of convkit's torchvision models, for test/analysis/models.test.ts.

    /usr/bin/python3 tools/torch/model_macs.py   # writes test/fixtures/torch-model-macs.json

Builds each model in torchvision 0.14, runs it once on zeros of the given input shape, and records
sum(p.numel()), the output shape, and the MACs of every nn.Conv2d and nn.Linear counted by a forward
hook from the tensors torch produced (output numel x in_channels/groups x kH x kW; output numel x
in_features), keyed by the module's name from named_modules(): so each layer's MACs show what input
it really got, wherever the forward branches, pools or adds between children.
"""
import json
import os

import torch
import torch.nn as nn
from torchvision.models import mobilenet_v2
from torchvision.models.resnet import Bottleneck
from torchvision.models.segmentation.deeplabv3 import ASPP


def resnext_bottleneck(inplanes, planes, stride):
    downsample = None
    if stride != 1 or inplanes != planes * 4:
        downsample = nn.Sequential(nn.Conv2d(inplanes, planes * 4, 1, stride, bias=False), nn.BatchNorm2d(planes * 4))
    return Bottleneck(inplanes, planes, stride, downsample, groups=32, base_width=4)


CASES = [
    # name, convkit builder call (for the reader), module, input shape
    ("mobilenet_v2", "mobilenetV2()", lambda: mobilenet_v2(), [1, 3, 224, 224]),
    ("mobilenet_v2_0.5_10", "mobilenetV2({ numClasses: 10, widthMult: 0.5 })", lambda: mobilenet_v2(num_classes=10, width_mult=0.5), [2, 3, 96, 80]),
    ("aspp", "aspp(64, [2, 4, 6], { outChannels: 32 })", lambda: ASPP(64, [2, 4, 6], 32), [2, 64, 17, 15]),
    ("resnext_bottleneck", "resnextBottleneck(64, 32, { stride: 2 })", lambda: resnext_bottleneck(64, 32, 2), [1, 64, 16, 12]),
    ("resnext_bottleneck_identity", "resnextBottleneck(256, 64)", lambda: resnext_bottleneck(256, 64, 1), [2, 256, 9, 9]),
]


def record(model, shape):
    macs = {}

    def hook(name):
        def count(module, inputs, output):
            if isinstance(module, nn.Conv2d):
                kh, kw = module.kernel_size
                macs[name] = output.numel() * (module.in_channels // module.groups) * kh * kw
            else:
                macs[name] = output.numel() * module.in_features
        return count

    for name, m in model.named_modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            m.register_forward_hook(hook(name))
    with torch.no_grad():
        out = model.eval()(torch.zeros(shape))
    return {
        "inputShape": shape, "outputShape": list(out.shape),
        "parameters": sum(p.numel() for p in model.parameters()),
        "macs": sum(macs.values()), "layerMacs": macs,
    }


def main():
    cases = [{"name": name, "convkit": call, **record(build(), shape)} for name, call, build, shape in CASES]
    path = os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures", "torch-model-macs.json")
    with open(path, "w") as f:
        json.dump({"torch": torch.__version__, "cases": cases}, f, indent=1)
        f.write("\n")
    for c in cases:
        print(c["name"], c["parameters"], c["macs"])


if __name__ == "__main__":
    main()
