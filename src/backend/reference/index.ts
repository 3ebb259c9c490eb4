/** The reference backend: plain TypeScript, correct and readable, the oracle for faster backends. */
import type { Backend } from '../backend.js';
import { activation, activationGrad } from './activation.js';
import { conv2d } from './conv2d.js';
import { conv2dBiasGrad, conv2dInputGrad, conv2dWeightGrad } from './conv2d-grad.js';
import { binary, reduceSum } from './elementwise.js';
import { gather, gatherGrad } from './gather.js';
import { batchNormInputGrad, channelAffine, channelGradSums, channelMoments } from './batch-norm.js';
import { matmul } from './matmul.js';
import { pad, padGrad } from './pad.js';
import { avgPool2d, avgPool2dGrad, maxPool2d, maxPool2dGrad } from './pool.js';
import { relu, reluGrad } from './relu.js';
import { softmax, softmaxGrad } from './softmax.js';

export const referenceBackend: Backend = {
  name: 'reference', conv2d, pad, relu, conv2dInputGrad, conv2dWeightGrad, conv2dBiasGrad, padGrad, reluGrad, binary, reduceSum,
  activation, activationGrad,
  softmax, softmaxGrad, gather, gatherGrad,
  matmul, channelMoments, channelAffine, channelGradSums, batchNormInputGrad,
  maxPool2d, maxPool2dGrad, avgPool2d, avgPool2dGrad,
};
