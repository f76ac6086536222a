/**
 * The counters other components expose as plain numbers (`metrics.addStatsSource`), and the
 * Prometheus metric each key becomes. A key is `name` or `name:labelValue` (for example
 * `connections:websocket`), so a component needs no prom-client of its own. Keys not in
 * this catalogue are ignored: every exported metric has a documented meaning
 * (docs/operations.md). Counters must be totals since process start.
 */
export interface StatDescriptor {
  source: string;
  key: string;
  metric: string;
  type: 'counter' | 'gauge';
  help: string;
  /** The label a `key:value` suffix fills. */
  label?: string;
}

export const STATS_CATALOGUE: readonly StatDescriptor[] = [
  { source: 'opamp', key: 'messagesIn', metric: 'ringmaster_opamp_messages_received_total', type: 'counter', help: 'AgentToServer messages received (all transports).' },
  { source: 'opamp', key: 'messagesOut', metric: 'ringmaster_opamp_messages_sent_total', type: 'counter', help: 'ServerToAgent messages sent (all transports).' },
  { source: 'opamp', key: 'offersSent', metric: 'ringmaster_opamp_offers_sent_total', type: 'counter', help: 'packages_available offers delivered to agents.' },
  { source: 'opamp', key: 'decodeErrors', metric: 'ringmaster_opamp_decode_errors_total', type: 'counter', help: 'Frames or bodies that failed to decode as AgentToServer.' },
  { source: 'opamp', key: 'rejectedAuth', metric: 'ringmaster_opamp_auth_rejected_total', type: 'counter', help: 'Agent connections refused for a missing or wrong token.' },
  { source: 'opamp', key: 'connections', metric: 'ringmaster_opamp_connections', type: 'gauge', label: 'transport', help: 'Open agent connections by transport (websocket, http = agents polled within the heartbeat window).' },
  { source: 'opamp', key: 'packageStatusTransitions', metric: 'ringmaster_opamp_package_status_transitions_total', type: 'counter', label: 'status', help: 'Package status changes reported by agents, by the new status (Installed, Installing, InstallFailed, Downloading, InstallPending).' },
  { source: 'git', key: 'fetches', metric: 'ringmaster_git_fetches_total', type: 'counter', help: 'Fetches of the watched repository.' },
  { source: 'git', key: 'fetchErrors', metric: 'ringmaster_git_fetch_errors_total', type: 'counter', help: 'Fetches that failed.' },
  { source: 'git', key: 'pushes', metric: 'ringmaster_git_pushes_total', type: 'counter', help: 'Status commits pushed.' },
  { source: 'git', key: 'pushRetries', metric: 'ringmaster_git_push_retries_total', type: 'counter', help: 'Pushes retried after a non-fast-forward (fetch, rebase, push again).' },
  { source: 'git', key: 'pushErrors', metric: 'ringmaster_git_push_errors_total', type: 'counter', help: 'Pushes that failed for good (after retries).' },
  { source: 'webhook', key: 'deliveries', metric: 'ringmaster_webhook_deliveries_total', type: 'counter', label: 'result', help: 'Webhook deliveries by result (accepted, rejected).' },
];
