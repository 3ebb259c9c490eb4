/** What a `convkit` subcommand is: its help, its flags, and what it prints. main.ts lists them in one table. */
import type { FlagSpec } from './args.js';

/** A command's result: text for people, and the same figures as JSON for `--json`. */
export interface Output {
  text: string;
  json: unknown;
}

export interface Command {
  /** The usage line(s) and options, printed for `convkit <name> --help`. */
  help: string;
  /** One line for `convkit --help`: the arguments and what the command does. */
  synopsis: string;
  /** Flags besides `--help` and `--json`, which every command takes. */
  flags: FlagSpec;
  /** How many positional arguments it takes. */
  positionals: number;
  /** Runs it; a user's mistake throws UsageError or ConvkitArgumentError. */
  run(values: Record<string, unknown>, positionals: string[]): Output;
}
