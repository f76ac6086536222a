import { buildProgram, runProgram, type CliIo, type RegisterCommand } from './program.ts';
import { registerAgent } from './agent.ts';
import { registerDemo } from './demo.ts';
import { registerKeys } from './keys.ts';
import { registerPackage } from './package.ts';
import { registerPlan } from './plan.ts';
import { registerServe } from './serve.ts';
import { registerStatus } from './status.ts';
import { registerValidate } from './validate.ts';

/**
 * Every command of the CLI. Each module registers one top-level command (with its
 * subcommands); add a line here when a capability gains a command.
 */
const commands: RegisterCommand[] = [
  registerAgent,
  registerDemo,
  registerKeys,
  registerPackage,
  registerPlan,
  registerServe,
  registerStatus,
  registerValidate,
];

/** Runs the CLI with `argv` as given by `process.argv`; resolves to the exit code. */
export async function main(argv: readonly string[], io: CliIo = defaultIo): Promise<number> {
  const program = buildProgram(commands, io);
  return runProgram(program, argv, io);
}

const defaultIo: CliIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
};
