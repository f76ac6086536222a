/**
 * `ringmaster agent --config agent.yaml`: runs the reference agent/supervisor next to a
 * collector until SIGINT/SIGTERM (then reports `agent_disconnect` and stops the collector).
 */
import type { Command } from 'commander';
import pino from 'pino';
import { AgentConfigError, loadAgentConfig, type AgentConfig } from '../agent/config.ts';
import { AgentError } from '../agent/errors.ts';
import { createAgentFromConfig } from '../agent/from-config.ts';
import { CliExit, EXIT_USAGE, type CliIo, type RegisterCommand } from './program.ts';

interface AgentCliOptions {
  config: string;
  check?: boolean;
  logLevel: string;
}

const HELP = `
The config file (YAML; relative paths are relative to it; full annotated example in docs/agent.md):
  server:      endpoint (ws://host:4320/v1/opamp | http://…), transport (ws|http), token | tokenFile,
               caFile, heartbeat (30s), reconnect {initial 1s, max 60s}, maxMessageBytes (64MiB)
  stateDir:    where the uid, package state, swap journal and partial downloads live (required)
  serviceName: service.name reported (default otelcol)
  labels:      key: value pairs reported as non-identifying attributes (ring selectors match them)
  collector:   package (""), binary (required), interpreter, args (--config {config}), config,
               version, validate {command [{binary}, validate, --config, {config}], timeout 30s} | false,
               healthUrl, ports [..], healthWindow (60s), healthInterval (1s), probeTimeout (2s),
               stopGrace (10s), restart {initial 1s, max 60s}
  addons:      dir, hook (argv; gets "installed|removed <name> <path>"), hookTimeout (30s)
  sidecars:    list of {package, binary, …same keys as collector}
  trust:       publicKeyFiles [..], requireSignature (default true when keys are listed)
  limits:      maxDownloadBytes (1GiB), downloadIdleTimeout (60s), downloadAttempts (5), downloadRetryDelay (2s),
               offerRetryInterval (60s)
  healthCheckInterval: how often health is re-checked and reported (10s)

Exit codes: 0 stopped by a signal (or --check passed), 2 invalid config, unusable state
directory or usage error.
Example: ringmaster agent --config /etc/ringmaster/agent.yaml
`;

/** Registers `agent`. */
export const registerAgent: RegisterCommand = (program: Command, io: CliIo) => {
  program
    .command('agent')
    .description('run the reference OpAMP agent/supervisor: accept packages, verify, validate, swap, watch health, roll back')
    .requiredOption('-c, --config <file>', 'agent configuration file (YAML)')
    .option('--check', 'validate the configuration and exit')
    .option('--log-level <level>', 'pino log level: fatal, error, warn, info, debug, trace', 'info')
    .addHelpText('after', HELP)
    .action(async (options: AgentCliOptions) => {
      const config = await readConfig(options.config);
      if (options.check) {
        io.stdout(`${options.config}: valid (collector ${config.collector.binary}, server ${config.server.endpoint} over ${config.server.transport})\n`);
        return;
      }
      await runUntilSignal(config, options.logLevel);
    });
};

async function readConfig(file: string): Promise<AgentConfig> {
  try {
    return await loadAgentConfig(file);
  } catch (err) {
    if (err instanceof AgentConfigError) throw new CliExit(EXIT_USAGE, `ringmaster agent: invalid configuration (${err.code}):\n${err.message}`);
    throw err;
  }
}

async function runUntilSignal(config: AgentConfig, level: string): Promise<void> {
  if (!(level in pino.levels.values)) throw new CliExit(EXIT_USAGE, `ringmaster agent: unknown --log-level "${level}"`);
  const logger = pino({ level, redact: ['token', '*.token', 'authorization', '*.authorization'] });
  const agent = createAgentFromConfig(config, logger);
  try {
    await agent.start();
  } catch (err) {
    await agent.stop().catch(() => undefined);
    if (err instanceof AgentError) throw new CliExit(EXIT_USAGE, `ringmaster agent: cannot start (${err.code}): ${err.message}`);
    throw err;
  }
  logger.info({ uid: agent.state().instanceUid, endpoint: config.server.endpoint }, 'agent started');
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      logger.info({ signal }, 'stopping');
      resolve();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  await agent.stop();
}
