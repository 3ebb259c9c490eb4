/**
 * Every argument error in convkit is built here, so that messages read alike:
 * `<where>: <what is wrong>`, e.g. `conv2d: groups=3 must divide in_channels=64`.
 */
import { Tensor } from './tensor.js';

/** The longest message an error carries: one that lists many problems (a state dict of a million keys) is cut here. */
export const MAX_MESSAGE_CHARS = 500;

/** The error every convkit function throws for arguments it cannot take; `message` is at most {@link MAX_MESSAGE_CHARS} characters. */
export class ConvkitArgumentError extends Error {
  constructor(where: string, message: string) {
    const full = `${where}: ${message}`;
    super(full.length <= MAX_MESSAGE_CHARS ? full : `${full.slice(0, MAX_MESSAGE_CHARS - 40)}... (${full.length} characters in all)`);
    this.name = 'ConvkitArgumentError';
  }
}

export function argError(where: string, message: string): ConvkitArgumentError {
  return new ConvkitArgumentError(where, message);
}

/** The most items of an array, and characters of a string, that a message echoes: a huge argument gives a short message. */
const SHOWN_ITEMS = 10;
const SHOWN_CHARS = 80;

/**
 * Renders a value for an error message the way Python would show it, so messages echo the user's input;
 * a longer array shows its first items and its length, a longer string its start and its length.
 */
export function show(value: unknown): string {
  if (typeof value === 'string') {
    return value.length <= SHOWN_CHARS ? `'${value}'` : `'${value.slice(0, SHOWN_CHARS)}...' (${value.length} characters)`;
  }
  if (Array.isArray(value)) {
    const items = value.slice(0, SHOWN_ITEMS).map(show);
    if (value.length > SHOWN_ITEMS) items.push(`... (${value.length} items)`);
    return `[${items.join(', ')}]`;
  }
  if (value === undefined) return 'undefined';
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  // instanceof at call time only: tensor.ts imports this module, so neither reads the other while loading
  if (value instanceof Tensor) return `Tensor(shape=${show(value.shape)})`;
  if (typeof value === 'object') {
    const shape = (value as { shape?: unknown }).shape;
    if (Array.isArray(shape)) return `an object with shape ${show(shape)} that is not a convkit Tensor (make one with new Tensor(data, shape) or tensor(values, shape))`;
  }
  return Object.prototype.toString.call(value);
}

export function isInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value);
}
