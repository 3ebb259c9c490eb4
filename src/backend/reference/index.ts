/** The reference backend: plain TypeScript, correct and readable, the oracle for faster backends. */
import type { Backend } from '../backend.js';
import { conv2d } from './conv2d.js';
import { pad } from './pad.js';
import { relu } from './relu.js';

export const referenceBackend: Backend = { name: 'reference', conv2d, pad, relu };
