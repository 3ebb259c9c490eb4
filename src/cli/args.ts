/** Command-line argument parsing for `convkit`: flags by name, values checked, errors as one line. */
import { parseArgs } from 'node:util';

/** An error the user made on the command line: printed as one line, exit code 2. */
export class UsageError extends Error {}

export type FlagSpec = Record<string, { type: 'string' | 'boolean' }>;

export function parse(command: string, argv: string[], flags: FlagSpec, positionals = 0): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...flags, help: { type: 'boolean' }, json: { type: 'boolean' } }, allowPositionals: true, strict: true });
  } catch (e) {
    const message = (e as Error).message;
    const option = /'(-[^']*)'/.exec(message)?.[1];
    // Node's own text may run to several lines (an ambiguous '--in -1' gives three): keep its first sentence
    const first = message.split('\n')[0].split('. ')[0].replace(/\.$/, '');
    const what = (e as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? `unknown option '${option}'`
      : /ambiguous/.test(first) ? `${first}: a value that starts with a dash is written ${option}=VALUE` : first;
    throw new UsageError(`convkit ${command}: ${what} (see convkit ${command} --help)`);
  }
  if (parsed.positionals.length > positionals) {
    throw new UsageError(`convkit ${command}: unexpected argument '${parsed.positionals[positionals]}'`);
  }
  return parsed as { values: Record<string, string | boolean | undefined>; positionals: string[] };
}

/** A required flag's value. */
export function required(command: string, values: Record<string, unknown>, name: string): string {
  const value = values[name];
  if (typeof value !== 'string') throw new UsageError(`convkit ${command}: --${name} is required (see convkit ${command} --help)`);
  return value;
}

/** `"1,64,32,32"` as integers >= `min`. */
export function intList(command: string, name: string, text: string, min: number): number[] {
  const parts = text.split(',');
  const values = parts.map(Number);
  if (text.trim() === '' || parts.some((p) => !/^\s*\d+\s*$/.test(p)) || values.some((v) => v < min)) {
    throw new UsageError(`convkit ${command}: --${name} must be comma-separated integers >= ${min}, got '${text}'`);
  }
  return values;
}

/** One integer >= `min`. */
export function int(command: string, name: string, text: string, min: number): number {
  const values = intList(command, name, text, min);
  if (values.length !== 1) throw new UsageError(`convkit ${command}: --${name} must be one integer >= ${min}, got '${text}'`);
  return values[0];
}

/** `--input N,C,H,W`: four integers, a batched input; another count is named as the wrong rank. */
export function inputShape(command: string, text: string): number[] {
  const shape = intList(command, 'input', text, 0);
  if (shape.length !== 4) {
    throw new UsageError(`convkit ${command}: --input must be 4 sizes N,C,H,W (a batched input), got ${shape.length}: '${text}'`);
  }
  return shape;
}
