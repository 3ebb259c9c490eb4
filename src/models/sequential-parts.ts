/**
 * What torchvision's blocks share: Sequential subclasses that print under their own class name
 * (`Conv2dNormActivation`, `ASPPConv`), their ONNX form, and torchvision's initialisation.
 */
import type { OnnxGraph, OnnxValue } from '../io/onnx/graph.js';
import type { Module } from '../nn/module.js';
import { argError } from '../errors.js';
import { Conv2d } from '../nn/conv2d.js';
import { BatchNorm2d } from '../nn/batch-norm.js';
import { ReLU6 } from '../nn/activation.js';
import { ReLU } from '../nn/relu.js';
import { Sequential } from '../nn/sequential.js';
import type { Generator } from '../random.js';
import type { Tensor } from '../tensor.js';

/** `layers` in order, each under its index, as the exporter writes a Sequential. */
export function sequenceToOnnx(layers: readonly Module[], graph: OnnxGraph, input: OnnxValue): OnnxValue {
  return layers.reduce((x, layer, i) => graph.module(layer, x, String(i)), input);
}

/** A Sequential subclass that torchvision prints under its own name; it runs, saves and exports as a Sequential does. */
export class NamedSequential extends Sequential {
  /** The exporter knows the Sequential class only; a subclass says its form itself. */
  toOnnx(graph: OnnxGraph, input: OnnxValue): OnnxValue {
    return sequenceToOnnx(this.layers, graph, input);
  }
}

/**
 * torchvision's `Conv2dNormActivation(in, out, kernel_size, stride, groups, activation_layer)`: a
 * bias-free convolution padded `(kernel_size - 1) / 2`, BatchNorm2d and the activation (ReLU6 in
 * MobileNetV2), keys `0.weight`, `1.weight`, `1.running_mean`, ...
 */
export class Conv2dNormActivation extends NamedSequential {
  constructor(inChannels: number, outChannels: number, options: { kernelSize?: number; stride?: number; groups?: number; relu6?: boolean; generator?: Generator } = {}) {
    const kernelSize = options.kernelSize ?? 3;
    super(
      new Conv2d(inChannels, outChannels, kernelSize, {
        stride: options.stride ?? 1, padding: Math.floor((kernelSize - 1) / 2), groups: options.groups ?? 1, bias: false, generator: options.generator,
      }),
      new BatchNorm2d(outChannels),
      options.relu6 === false ? new ReLU() : new ReLU6(),
    );
  }
}

/** Fills `t` with normal samples of deviation `std`, like `nn.init.normal_(t, 0, std)` on convkit's generator. */
export function normal_(t: Tensor, std: number, generator: Generator): void {
  for (let i = 0; i < t.data.length; i++) t.data[i] = generator.normal() * std;
  t.markChanged();
}

/**
 * `nn.init.kaiming_normal_(conv.weight, mode='fan_out')` (gain sqrt(2), fan_out = outChannels * kH * kW)
 * and a zero bias, as torchvision initialises its classification and segmentation networks.
 */
export function kaimingNormalFanOut(conv: Conv2d, generator: Generator): void {
  normal_(conv.weight, Math.sqrt(2 / (conv.outChannels * conv.kernelSize[0] * conv.kernelSize[1])), generator);
  conv.bias?.data.fill(0);
  conv.bias?.markChanged();
}

/** The error a block built by a function gives for `toJSON`: the JSON form holds Sequential-built models only. */
export function noJSON(name: string, builder: string): Error {
  return argError(`${name}.toJSON`, `${name} has no JSON form (moduleFromJSON builds Sequential models): build it with ${builder} and save its weights with stateDict or saveSafetensors`);
}
