import type { Command } from 'commander';
import { ConfigError, resolveServeConfig, type ServeFlags } from '../serve/config.ts';
import { startKubeServer } from '../serve/kube-server.ts';
import { startServer } from '../serve/server.ts';
import { createCliLogger } from './logger.ts';
import { CliExit, EXIT_FAILURE, EXIT_USAGE, type CliIo } from './program.ts';

/** `ringmaster serve`: the controller, OpAMP server, artifact store and API in one process. */
export function registerServe(program: Command, _io: CliIo): void {
  program
    .command('serve')
    .description('run the controller: watch the fleet repository (or the custom resources), serve OpAMP agents and artifacts, write status back')
    .option('--config <file>', 'configuration file (ringmaster.yaml); flags and environment take precedence')
    .option('--git <url|path>', 'fleet repository to watch (env RINGMASTER_GIT_URL)')
    .option('--kube', 'Kubernetes mode: read PackageRelease/RolloutPolicy custom resources, write their status')
    .option('--namespace <ns>', 'Kubernetes mode: watch this namespace (default: the pod\'s own)')
    .option('--all-namespaces', 'Kubernetes mode: watch every namespace')
    .option('--kubeconfig <file>', 'Kubernetes mode: kubeconfig (default: $KUBECONFIG, ~/.kube/config, or in-cluster)')
    .option('--branch <name>', 'branch to watch (default main)')
    .option('--path <dir>', 'folder of the repository holding the manifests (default: the root)')
    .option('--interval <duration>', 'poll interval (default 30s); a push webhook triggers at once')
    .option('--status-branch <name>', 'branch for status commits (default: the watched branch)')
    .option('--status-interval <duration>', 'at most one status commit per interval (default 10s)')
    .option('--listen <host:port>', 'address to serve on (default 0.0.0.0:4320)')
    .option('--public-url <url>', 'base URL agents use to reach this server (artifact downloads)')
    .option('--data-dir <dir>', 'working data: Git clones, packages (default ./data)')
    .option('--packages-dir <dir>', 'artifact store (default <data-dir>/packages; env RINGMASTER_PACKAGES_DIR)')
    .option('--tls-cert <file>', 'TLS certificate (PEM)')
    .option('--tls-key <file>', 'TLS private key (PEM)')
    .option('--tls-client-ca <file>', 'accept agents with a client certificate signed by this CA')
    .option('--log-level <level>', 'trace, debug, info, warn, error (default info)')
    .option('--warmup <duration>', 'after a start, move no rollout phase this long while agents reconnect (default 60s)')
    .addHelpText('after', `
Secrets come from the environment (or NAME_FILE pointing at a file), never from flags:
  RINGMASTER_AGENT_TOKENS     bearer tokens agents must present (comma/newline separated)
  RINGMASTER_ADMIN_TOKENS     tokens allowed to upload packages
  RINGMASTER_DOWNLOAD_TOKENS  when set, artifact downloads need one (handed to agents in offers)
  RINGMASTER_API_TOKENS       read access to the API, dashboard and /metrics
  RINGMASTER_GIT_TOKEN        HTTPS token for the fleet repository (or RINGMASTER_GIT_SSH_KEY_FILE)
  RINGMASTER_WEBHOOK_SECRET   GitHub webhook secret;  RINGMASTER_GITLAB_TOKEN  GitLab webhook token
See docs/configuration.md.`)
    .action(async (flags: ServeFlags) => {
      let config;
      try {
        config = resolveServeConfig(flags, process.env);
      } catch (err) {
        if (err instanceof ConfigError) throw new CliExit(EXIT_USAGE, `ringmaster serve: ${err.message}`);
        throw err;
      }
      const logger = createCliLogger(config.logLevel);
      let fatal: unknown;
      let wake: () => void = () => undefined;
      const onFatal = (err: unknown): void => {
        fatal = err;
        wake();
      };
      let server;
      try {
        server = config.kube ? await startKubeServer(config, { logger, onFatal }) : await startServer(config, { logger, onFatal });
      } catch (err) {
        throw new CliExit(EXIT_FAILURE, `ringmaster serve: ${err instanceof Error ? err.message : String(err)}`);
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
        waitForSignal().then(resolve, resolve);
      });
      logger.info('shutting down: finishing the status commit and closing agent connections');
      let failure: unknown;
      await server.close().catch((err: unknown) => (failure = err));
      logger.flush();
      // Whatever a failed step left behind (a git child, a timer) must not keep us alive.
      setTimeout(() => process.exit(), 2_000).unref();
      if (fatal !== undefined) throw new CliExit(EXIT_USAGE, `ringmaster serve: ${(fatal as Error).message ?? String(fatal)}`);
      if (failure !== undefined) throw new CliExit(EXIT_FAILURE, `ringmaster serve: shutdown incomplete: ${(failure as Error).message ?? String(failure)}`);
    });
}

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}
