/**
 * Plain counters the metrics module exports. Gauges (`*Open`, `agents*`) go up and down;
 * everything else only rises.
 */
export interface OpampServerStats {
  websocketConnectionsOpen: number;
  websocketConnectionsTotal: number;
  httpRequestsInFlight: number;
  httpRequestsTotal: number;
  messagesIn: number;
  messagesOut: number;
  bytesIn: number;
  bytesOut: number;
  offersSent: number;
  decodeErrors: number;
  rejectedAuth: number;
  rateLimited: number;
  rejectedCapacity: number;
  oversized: number;
  closedForBadMessages: number;
  closedSlowConsumers: number;
  agentsKnown: number;
  agentsOnline: number;
}

/** All counters at zero. */
export function newStats(): OpampServerStats {
  return {
    websocketConnectionsOpen: 0,
    websocketConnectionsTotal: 0,
    httpRequestsInFlight: 0,
    httpRequestsTotal: 0,
    messagesIn: 0,
    messagesOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    offersSent: 0,
    decodeErrors: 0,
    rejectedAuth: 0,
    rateLimited: 0,
    rejectedCapacity: 0,
    oversized: 0,
    closedForBadMessages: 0,
    closedSlowConsumers: 0,
    agentsKnown: 0,
    agentsOnline: 0,
  };
}
