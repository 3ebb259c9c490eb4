/**
 * Every argument error in convkit is built here, so that messages read alike:
 * `<where>: <what is wrong>`, e.g. `conv2d: groups=3 must divide in_channels=64`.
 */
export class ConvkitArgumentError extends Error {
  constructor(where: string, message: string) {
    super(`${where}: ${message}`);
    this.name = 'ConvkitArgumentError';
  }
}

export function argError(where: string, message: string): ConvkitArgumentError {
  return new ConvkitArgumentError(where, message);
}

/** Renders a value for an error message the way Python would show it, so messages echo the user's input. */
export function show(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return `[${value.map(show).join(', ')}]`;
  if (value === undefined) return 'undefined';
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (typeof value === 'object') {
    const shape = (value as { shape?: unknown }).shape;
    if (Array.isArray(shape)) return `Tensor(shape=${show(shape)})`;
  }
  return Object.prototype.toString.call(value);
}

export function isInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value);
}
