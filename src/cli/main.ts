#!/usr/bin/env node
/**
 * The `convkit` command. Each subcommand lives in its own file as a `Command` and is one entry of
 * COMMANDS below. Output is a table, or JSON with `--json`. Every error prints one line: a user's
 * mistake exits with code 2, anything else (a bug) with code 1.
 */
import { createRequire } from 'node:module';
import { ConvkitArgumentError } from '../errors.js';
import { parse, UsageError } from './args.js';
import type { Command } from './command.js';
import { compareCommand } from './compare.js';
import { demoCommand } from './demo.js';
import { rfCommand } from './rf.js';
import { summaryCommand } from './summary.js';
import { trainCommand } from './train.js';

const COMMANDS: Record<string, Command> = {
  demo: demoCommand,
  summary: summaryCommand,
  compare: compareCommand,
  rf: rfCommand,
  train: trainCommand,
};

const HELP = `convkit: PyTorch-exact convolutions for JavaScript, and what they cost

usage: convkit <command> [options]

commands:
${Object.values(COMMANDS).map((c) => `  ${c.synopsis}`).join('\n')}

every command takes --json (machine-readable output) and --help; convkit --version prints the version`;

/** The package's version, from its package.json (two levels up from dist/cli/ and from src/cli/). */
function version(): string {
  return (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
}

/** The first line of a message: the promise is one line, whatever an error carries. */
const firstLine = (message: string) => message.split('\n')[0];

function main(argv: string[]): number {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-v') {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(HELP + '\n');
    return name === undefined ? 2 : 0;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  try {
    if (command === undefined) throw new UsageError(`convkit: unknown command '${name}'; expected one of ${Object.keys(COMMANDS).join(', ')} (see convkit --help)`);
    const { values, positionals } = parse(name, rest, command.flags, command.positionals);
    if (values.help === true) {
      process.stdout.write(command.help + '\n');
      return 0;
    }
    const output = command.run(values, positionals);
    process.stdout.write((values.json === true ? JSON.stringify(output.json, null, 2) : output.text) + '\n');
    return 0;
  } catch (e) {
    const user = e instanceof UsageError || e instanceof ConvkitArgumentError;
    const message = e instanceof Error ? e.message : String(e);
    const prefix = e instanceof UsageError ? '' : `convkit ${name}: ${user ? '' : `internal error (please report it): ${e instanceof Error ? e.name : 'thrown'}: `}`;
    process.stderr.write(`${prefix}${firstLine(message)}\n`);
    return user ? 2 : 1;
  }
}

process.exitCode = main(process.argv.slice(2));
