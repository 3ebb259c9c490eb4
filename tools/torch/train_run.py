"""A whole training run in PyTorch that convkit must repeat step for step.

Draws (from --seed) a small CNN with batch normalisation, pooling and dropout (p=0), an optimiser and
20 batches of random images and labels, trains it, and writes a JSON file with everything convkit needs
to repeat the run: the model as convkit's JSON (Sequential.toJSON form), its initial state dict, the
batches, the optimiser and its options, and torch's loss at each step, final state dict (parameters
and running statistics) and eval-mode logits of the first batch.

    /usr/bin/python3 tools/torch/train_run.py --seed 7 --runs 1 --out DIR   # DIR/train-runs.json

test/fixtures/torch-train-run.json is `--seed 2026 --runs 3` (see test/fixtures/README.md); the live
suite (npm run test:torch) draws fresh ones.
"""
import argparse
import base64
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from caselib import F, nn, torch  # noqa: E402  (pins the environment and threads)

STEPS = 20
BATCH = 8


def build(layers):
    """The torch module of a convkit Sequential JSON description."""
    mods = []
    for spec in layers:
        t = spec["type"]
        if t == "Conv2d":
            mods.append(nn.Conv2d(spec["inChannels"], spec["outChannels"], spec["kernelSize"], padding=spec.get("padding", 0),
                                  dilation=spec.get("dilation", 1), groups=spec.get("groups", 1), bias=spec.get("bias", True)))
        elif t == "BatchNorm2d":
            mods.append(nn.BatchNorm2d(spec["numFeatures"], momentum=spec.get("momentum", 0.1)))
        elif t == "ReLU":
            mods.append(nn.ReLU())
        elif t == "MaxPool2d":
            mods.append(nn.MaxPool2d(spec["kernelSize"]))
        elif t == "AvgPool2d":
            mods.append(nn.AvgPool2d(spec["kernelSize"]))
        elif t == "AdaptiveAvgPool2d":
            mods.append(nn.AdaptiveAvgPool2d(spec["outputSize"]))
        elif t == "Flatten":
            mods.append(nn.Flatten())
        elif t == "Dropout":
            mods.append(nn.Dropout(spec["p"]))
        elif t == "Linear":
            mods.append(nn.Linear(spec["inFeatures"], spec["outFeatures"]))
        else:
            raise ValueError(t)
    return nn.Sequential(*mods)


def draw_model(rng):
    # No bias on a convolution that batch normalisation follows, as real networks do: its exact gradient is
    # zero, so what is left is rounding noise, which Adam scales up to full steps in whatever direction
    # the noise points, and then no two implementations agree on that bias or the running mean after it.
    c1, c2 = rng.choice([2, 4, 6]), rng.choice([4, 8])
    groups = rng.choice([1, 2])
    dilation = rng.choice([1, 2])
    pool = rng.choice(["MaxPool2d", "AvgPool2d"])
    momentum = rng.choice([0.1, 0.3, None])
    return [
        {"type": "Conv2d", "inChannels": 1, "outChannels": c1, "kernelSize": 3, "padding": 1, "bias": False},
        {"type": "BatchNorm2d", "numFeatures": c1, "momentum": momentum},
        {"type": "ReLU"},
        {"type": pool, "kernelSize": 2},
        {"type": "Conv2d", "inChannels": c1, "outChannels": c2, "kernelSize": 3, "padding": dilation, "dilation": dilation, "groups": groups, "bias": False},
        {"type": "BatchNorm2d", "numFeatures": c2},
        {"type": "ReLU"},
        {"type": "AdaptiveAvgPool2d", "outputSize": 1},
        {"type": "Flatten"},
        {"type": "Dropout", "p": 0.0},
        {"type": "Linear", "inFeatures": c2, "outFeatures": 10},
    ]


def draw_optimizer(rng):
    kind = rng.choice(["SGD", "Adam", "AdamW"])
    if kind == "SGD":
        momentum = rng.choice([0.0, 0.9])
        return kind, {"lr": 0.05, "momentum": momentum, "nesterov": momentum > 0 and rng.random() < 0.5, "weightDecay": rng.choice([0.0, 1e-4])}
    return kind, {"lr": rng.choice([1e-3, 1e-2]), "amsgrad": rng.random() < 0.5, "weightDecay": rng.choice([0.0, 1e-2])}


def torch_optimizer(kind, options, params):
    args = {"lr": options["lr"], "weight_decay": options["weightDecay"]}
    if kind == "SGD":
        return torch.optim.SGD(params, momentum=options["momentum"], nesterov=options["nesterov"], **args)
    return getattr(torch.optim, kind)(params, amsgrad=options["amsgrad"], **args)


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def state(model):
    return {k: {"shape": list(v.shape), "data": flat(v.float())} for k, v in model.state_dict().items()}


def train(layers, kind, options, images, labels, initial, dtype):
    """Trains a fresh model of `layers` from `initial` in `dtype`; returns it and the losses."""
    model = build(layers)
    model.load_state_dict({k: v.clone() for k, v in initial.items()})
    model.to(dtype)
    opt = torch_optimizer(kind, options, model.parameters())
    losses = []
    model.train()
    for step in range(STEPS):
        opt.zero_grad()
        loss = F.cross_entropy(model(images[step].to(dtype)), labels[step])
        loss.backward()
        opt.step()
        losses.append(float(loss))
    return model, losses


# A run whose float32 weights end further than this from its float64 twin's (relative to max(1, |w|)) is
# chaotic: rounding alone moves it by about as much as the comparison allows, and no two float32
# implementations can be expected to agree on it. Such draws are redrawn.
MAX_FLOAT32_DRIFT = 1e-5


def drift(a, b):
    return max(float(((a[k].double() - b[k].double()).abs() / b[k].double().abs().clamp(min=1)).max()) for k in a)


def run(seed):
    rng = random.Random(seed)
    torch.manual_seed(seed)
    while True:
        layers = draw_model(rng)
        size = rng.choice([8, 10, 12])
        kind, options = draw_optimizer(rng)
        initial = {k: v.clone() for k, v in build(layers).state_dict().items()}
        pixels = torch.randint(0, 256, (STEPS, BATCH, 1, size, size), dtype=torch.uint8)
        images = pixels.float() / 255
        labels = torch.randint(0, 10, (STEPS, BATCH))
        model, losses = train(layers, kind, options, images, labels, initial, torch.float32)
        twin, _ = train(layers, kind, options, images, labels, initial, torch.float64)
        if drift(model.state_dict(), twin.state_dict()) <= MAX_FLOAT32_DRIFT:
            break
    model.eval()
    with torch.no_grad():
        logits = model(images[0])
    return {
        "seed": seed, "model": {"type": "Sequential", "layers": layers}, "optimizer": kind, "options": options,
        "imageSize": size, "pixels": base64.b64encode(pixels.numpy().tobytes()).decode(),
        "labels": [int(v) for v in labels.reshape(-1).tolist()],
        "initial": {k: {"shape": list(v.shape), "data": flat(v.float())} for k, v in initial.items()},
        "losses": losses, "final": state(model), "evalLogits": flat(logits),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    runs = [run(args.seed * 1000 + i) for i in range(args.runs)]
    with open(os.path.join(args.out, "train-runs.json"), "w") as f:
        json.dump({"torch": torch.__version__, "steps": STEPS, "batch": BATCH, "runs": runs}, f)
    print(torch.__version__)


if __name__ == "__main__":
    main()
