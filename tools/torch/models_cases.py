"""torchvision's MobileNetV2, a ResNeXt-50 bottleneck and DeepLabV3's ASPP, as fixtures for convkit's models.

    /usr/bin/python3 tools/torch/models_cases.py     # writes test/fixtures/torch-models-*.safetensors
    /usr/bin/python3 tools/torch/models_cases.py --seed S --count N --out DIR   # random cases for `npm run test:torch`

Each case is built with seeded random initialisation (pretrained weights cannot be downloaded here),
run in training mode on a few random batches so BatchNorm's running statistics move away from 0 and 1,
then in eval mode on a fixed input. Per case two files: `<case>.safetensors`, the state dict (metadata:
`keys`, the state-dict keys in torch's order, and `repr`, torch's printed module), and `<case>-io.safetensors`,
`input` and `output` (and MobileNetV2's `features`, the map before pooling). MobileNetV2's weights are rounded to float16 before the eval run and stored as F16,
which halves the file; the outputs are torch's for exactly those weights. `mobilenet_v2-1.0-keys.json`
holds the state-dict keys and shapes of the full-width network (its weights would be 9 MB).

With --seed, N random architectures (MobileNetV2 widths and class counts, ResNeXt blocks of any stride,
groups and base width, ASPP of any rates and widths; float32 weights) go to DIR as `models-<i>.safetensors`
and `models-<i>-io.safetensors`, listed with their arguments in DIR/models-cases.json
(test/support/model-cases.ts replays them).
"""
import argparse
import random
import json
import os
import sys

import torch
from torchvision.models import mobilenet_v2
from torchvision.models.resnet import Bottleneck, conv1x1
from torchvision.models.segmentation.deeplabv3 import ASPP

sys.path.insert(0, os.path.dirname(__file__))
from to_safetensors import to_safetensors  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'fixtures')


def warm_up(model, shape, batches=3):
    """A few training-mode passes: BatchNorm's running statistics become non-trivial."""
    model.train()
    with torch.no_grad():
        for _ in range(batches):
            model(torch.randn(shape) * 2 + 0.5)
    model.eval()


def write(name, model, x, half=False, out=OUT):
    state = model.state_dict()
    if half:
        # The fixture holds float16: run torch on exactly the weights convkit will load.
        model.load_state_dict({k: (v.half().float() if v.is_floating_point() else v) for k, v in state.items()})
        state = {k: (v.half() if v.is_floating_point() else v) for k, v in model.state_dict().items()}
    with torch.no_grad():
        y = model(x)
        # MobileNetV2's logits are small (its Linear starts at N(0, 0.01)): its feature map checks the body at full scale.
        extra = {'features': model.features(x)} if hasattr(model, 'features') else {}
    meta = {'keys': json.dumps(list(model.state_dict().keys())), 'repr': repr(model)}
    to_safetensors(state, os.path.join(out, f'{name}.safetensors'), meta)
    to_safetensors({'input': x, 'output': y, **extra}, os.path.join(out, f'{name}-io.safetensors'))


def draw(rng):
    """A random architecture as (kind, convkit's arguments, torch module, input shape)."""
    kind = rng.choice(['mobilenet_v2', 'resnext_bottleneck', 'aspp'])
    if kind == 'mobilenet_v2':
        args = {'widthMult': rng.choice([0.25, 0.35, 0.5, 0.75, 1.0, 1.3]), 'numClasses': rng.randint(1, 20),
                'roundNearest': rng.choice([8, 4, 16])}
        model = mobilenet_v2(num_classes=args['numClasses'], width_mult=args['widthMult'], round_nearest=args['roundNearest'])
        return kind, args, model, (rng.randint(1, 2), 3, rng.randint(32, 72), rng.randint(32, 72))
    if kind == 'resnext_bottleneck':
        groups = rng.choice([1, 2, 4, 8, 32])
        base_width = rng.choice([4, 8, 16, 64])
        planes = rng.choice([p for p in range(4, 65) if p * base_width // 64 >= 1])
        stride = rng.choice([1, 2])
        inplanes = planes * 4 if stride == 1 and rng.random() < 0.5 else rng.randint(4, 96)
        downsample = None
        if stride != 1 or inplanes != planes * 4:
            downsample = torch.nn.Sequential(conv1x1(inplanes, planes * 4, stride), torch.nn.BatchNorm2d(planes * 4))
        model = Bottleneck(inplanes, planes, stride, downsample, groups, base_width)
        args = {'inplanes': inplanes, 'planes': planes, 'stride': stride, 'groups': groups, 'baseWidth': base_width}
        return kind, args, model, (rng.randint(1, 2), inplanes, rng.randint(3, 15), rng.randint(3, 15))
    args = {'inChannels': rng.randint(1, 40), 'atrousRates': [rng.randint(1, 12) for _ in range(3)], 'outChannels': rng.randint(1, 24)}
    model = ASPP(args['inChannels'], args['atrousRates'], args['outChannels'])
    return kind, args, model, (rng.randint(1, 2), args['inChannels'], rng.randint(2, 17), rng.randint(2, 17))


def live(seed, count, out):
    rng = random.Random(seed)
    cases = []
    for i in range(count):
        torch.manual_seed(seed * 1000 + i)
        kind, args, model, shape = draw(rng)
        warm_up(model, (4, *shape[1:]))
        write(f'models-{i}', model, torch.randn(shape), out=out)
        cases.append({'id': i, 'kind': kind, 'args': args, 'file': f'models-{i}'})
    with open(os.path.join(out, 'models-cases.json'), 'w') as f:
        json.dump({'torch': torch.__version__, 'cases': cases}, f)
    print(f'{torch.__version__}: {count} torchvision models ({", ".join(sorted({c["kind"] for c in cases}))}) in {out}')


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--seed', type=int)
    parser.add_argument('--count', type=int, default=12)
    parser.add_argument('--out')
    options = parser.parse_args()
    if options.seed is not None:
        live(options.seed, options.count, options.out)
        return
    torch.manual_seed(1413)
    model = mobilenet_v2(width_mult=0.5, num_classes=10)
    warm_up(model, (4, 3, 64, 64))
    write('torch-models-mobilenet_v2-0.5', model, torch.randn(2, 3, 64, 64), half=True)

    full = mobilenet_v2(num_classes=10)
    with open(os.path.join(OUT, 'torch-models-mobilenet_v2-1.0-keys.json'), 'w') as f:
        json.dump({'keys': [[k, list(v.shape)] for k, v in full.state_dict().items()], 'repr': repr(full)}, f)

    torch.manual_seed(1414)
    # ResNeXt-50's block form (groups, width_per_group), shrunk: width = int(32 * 4 / 64) * 8 = 16
    block = Bottleneck(64, 32, stride=2, groups=8, base_width=4,
                       downsample=torch.nn.Sequential(conv1x1(64, 128, 2), torch.nn.BatchNorm2d(128)))
    warm_up(block, (4, 64, 9, 9))
    write('torch-models-resnext_bottleneck', block, torch.randn(2, 64, 9, 9))

    torch.manual_seed(1415)
    same = Bottleneck(128, 32, groups=8, base_width=4)
    warm_up(same, (4, 128, 6, 6))
    write('torch-models-resnext_bottleneck-identity', same, torch.randn(1, 128, 6, 6))

    torch.manual_seed(1416)
    aspp = ASPP(32, [2, 4, 6], out_channels=16)
    warm_up(aspp, (4, 32, 13, 11))
    write('torch-models-aspp', aspp, torch.randn(2, 32, 13, 11))


if __name__ == '__main__':
    main()
