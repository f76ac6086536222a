import { createRequire } from 'node:module';
import { Command, CommanderError } from 'commander';

/**
 * Exit codes shared by every command: 0 success, 1 the command ran and found a problem
 * (invalid manifests, failed verification, changes with `--exit-code`), 2 usage or setup
 * errors (unknown flag, missing argument, unreadable file).
 */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** Output channels, injectable so commands can be tested in-process. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** A command module adds itself (and its subcommands) to the root program. */
export type RegisterCommand = (program: Command, io: CliIo) => void;

/** Thrown by a command action to end with a given exit code and message. */
export class CliExit extends Error {
  readonly exitCode: number;
  constructor(exitCode: number, message = '') {
    super(message);
    this.name = 'CliExit';
    this.exitCode = exitCode;
  }
}

/** Builds the root `ringmaster` program with the given commands registered. */
export function buildProgram(commands: readonly RegisterCommand[], io: CliIo): Command {
  const program = new Command('ringmaster')
    .description('GitOps rollouts of OpenTelemetry Collector packages to OpAMP agent fleets, ring by ring')
    .version(versionOfPackage(), '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    // Subcommands own their options: `package push --version 1.5.0` is the package version,
    // not the root's `-V, --version` (which would otherwise match anywhere on the line).
    .enablePositionalOptions()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride();
  for (const register of commands) register(program, io);
  for (const sub of program.commands) sub.exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  return program;
}

/** Runs the program and maps every outcome to an exit code; never throws. */
export async function runProgram(program: Command, argv: readonly string[], io: CliIo): Promise<number> {
  try {
    await program.parseAsync([...argv]);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT_OK;
  } catch (err) {
    if (err instanceof CliExit) {
      if (err.message) io.stderr(err.message.endsWith('\n') ? err.message : `${err.message}\n`);
      return err.exitCode;
    }
    if (err instanceof CommanderError) {
      // --help and --version end through here with exit code 0; everything else is usage.
      return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    const message = err instanceof Error ? err.message : String(err);
    io.stderr(`ringmaster: ${message}\n`);
    return EXIT_USAGE;
  }
}

function versionOfPackage(): string {
  const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };
  return pkg.version;
}
