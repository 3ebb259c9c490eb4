/**
 * convkit/models: torchvision's architectures, with its module names and state-dict keys, so weights
 * saved from torchvision load unchanged. This file only re-exports.
 */
export { mobilenetV2, MobileNetV2, InvertedResidual, makeDivisible, type MobileNetV2Options } from './mobilenet-v2.js';
export { resnextBottleneck, Bottleneck, BOTTLENECK_EXPANSION, type ResNeXtBottleneckOptions } from './resnext.js';
export { aspp, ASPP, ASPPConv, ASPPPooling, type ASPPOptions } from './aspp.js';
export { Conv2dNormActivation } from './sequential-parts.js';
