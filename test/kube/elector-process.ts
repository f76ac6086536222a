/**
 * A replica's leader election as its own process, for the kill test: prints one JSON line
 * per transition; SIGTERM stops (and releases the lease), SIGKILL leaves it to expire.
 * Usage: node elector-process.ts <api-url> <identity> <leaseMs> <renewMs> <retryMs>
 */
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { createLeaderElector } from '../../src/kube/leader-election.ts';

const [url = '', identity = '', lease = '3000', renew = '2000', retry = '400'] = process.argv.slice(2);
const kubeConfig = new KubeConfig();
kubeConfig.loadFromOptions({
  clusters: [{ name: 'fake', server: url, skipTLSVerify: true }],
  users: [{ name: 'tester', token: 'fake-token' }],
  contexts: [{ name: 'fake', cluster: 'fake', user: 'tester', namespace: 'ringmaster' }],
  currentContext: 'fake',
});
const say = (event: string): void => void process.stdout.write(`${JSON.stringify({ event, identity, at: Date.now() })}\n`);
const elector = createLeaderElector({
  kubeConfig,
  namespace: 'ringmaster',
  identity,
  leaseDurationMs: Number(lease),
  renewDeadlineMs: Number(renew),
  retryPeriodMs: Number(retry),
  logger: pino({ level: 'silent' }),
  onStartedLeading: () => say('started'),
  onStoppedLeading: () => say('stopped'),
});
elector.start();
say('ready');
process.on('SIGTERM', () => {
  void elector.stop().then(() => process.exit(0));
});
