/**
 * The server side of one AgentToServer → ServerToAgent exchange, independent of the
 * transport: identification, sequence tracking, registry update, capability-gated
 * offers. Each rule cites the OpAMP behaviour it implements (shared/OPAMP.md).
 */
import type { AgentOffer } from '../rollout/types.ts';
import type { OpampEmitter } from './events.ts';
import { AgentToServerFlags, ServerCapabilities, ServerErrorResponseType, ServerToAgentFlags } from './messages.ts';
import type { AgentToServer, PackagesAvailable, ServerToAgent } from './messages.ts';
import { acceptsPackages, applyReport, newRecord } from './registry.ts';
import type { AgentRecord, Transport } from './registry.ts';
import { uuidToString, uuidv7 } from './uuid.ts';

/** Sent unconditionally (spec: capabilities in the first reply; every HTTP reply). */
export const serverCapabilities = ServerCapabilities.AcceptsStatus | ServerCapabilities.OffersPackages | ServerCapabilities.AcceptsPackagesStatus;

/** The wanted package set for one agent, ready for the wire. */
export interface PreparedOffer {
  offer: AgentOffer;
  message: PackagesAvailable;
}

/** One WebSocket connection, or one HTTP request. */
export interface Session {
  id: number;
  transport: Transport;
  capabilitiesSent: boolean;
  /** The uid this session last spoke for (WebSocket). */
  uid?: string;
}

export interface ProtocolState {
  agents: Map<string, AgentRecord>;
  offers: Map<string, PreparedOffer>;
  /** Ids of open WebSocket sessions: a uid held by one of them is live. */
  openSessions: Set<number>;
  /** New agents beyond this get `Unavailable` (the registry is bounded). */
  maxAgents: number;
  retryAfterSeconds: number;
  emitter: OpampEmitter;
}

export interface ExchangeResult {
  reply: ServerToAgent;
  /** The message was unusable (counts as a strike against the connection). */
  bad: boolean;
}

/** A BadRequest reply (spec: when error_response is set, nothing else is). */
export function badRequest(message: string, instanceUid?: Uint8Array): ServerToAgent {
  const reply: ServerToAgent = { errorResponse: { type: ServerErrorResponseType.BadRequest, errorMessage: message } };
  if (instanceUid !== undefined) reply.instanceUid = instanceUid;
  return reply;
}

/** An Unavailable reply telling the agent when to retry. */
export function unavailable(message: string, retryAfterSeconds: number, instanceUid?: Uint8Array): ServerToAgent {
  const retryAfterNanoseconds = Math.ceil(retryAfterSeconds * 1e9);
  const reply: ServerToAgent = { errorResponse: { type: ServerErrorResponseType.Unavailable, errorMessage: message, retryInfo: { retryAfterNanoseconds } } };
  if (instanceUid !== undefined) reply.instanceUid = instanceUid;
  return reply;
}

/** Handles one decoded AgentToServer and returns the reply (spec: answer every message). */
export function exchange(state: ProtocolState, session: Session, message: AgentToServer, now: number): ExchangeResult {
  const requestUid = message.instanceUid;
  if (requestUid?.byteLength !== 16) {
    return { reply: badRequest(`instance_uid must be 16 bytes, got ${requestUid?.byteLength ?? 0}`, requestUid), bad: true };
  }
  const reply: ServerToAgent = { instanceUid: requestUid };
  const uid = chooseUid(state, session, message, uuidToString(requestUid), reply, now);
  const existing = state.agents.get(uid);
  if (existing === undefined && state.agents.size >= state.maxAgents) {
    return { reply: unavailable(`registry full (${state.maxAgents} agents)`, state.retryAfterSeconds, requestUid), bad: false };
  }
  const record = existing ?? newRecord(uid, session.transport, now);
  const wasOnline = existing?.online === true;
  // Spec: a gap in sequence_num, or no state for the agent, asks for the full state.
  let flags = 0;
  if (existing === undefined || (message.sequenceNum ?? 0) !== existing.sequenceNum + 1) flags |= ServerToAgentFlags.ReportFullState;
  bindSession(state, record, session);
  state.agents.set(uid, record);
  const changes = applyReport(record, message, now);
  const offer = pendingOffer(state, record, message.packageStatuses !== undefined);
  if (offer !== undefined) {
    reply.packagesAvailable = offer.message;
    markDelivered(record, offer.offer, now);
  }
  if (flags !== 0) reply.flags = flags;
  if (!session.capabilitiesSent) {
    reply.capabilities = serverCapabilities;
    session.capabilitiesSent = true;
  }
  if (!wasOnline) state.emitter.emit('agentConnected', { uid, transport: session.transport });
  else if (changes.changed) state.emitter.emit('agentUpdated', { uid });
  for (const name of changes.packages) emitPackage(state, record, name);
  if (message.agentDisconnect !== undefined) markOffline(state, record, 'disconnect');
  return { reply, bad: false };
}

/**
 * Spec: a new uid is assigned only through agent_identification — when the agent asks
 * (RequestInstanceUid), or when another live connection already holds its uid.
 */
function chooseUid(state: ProtocolState, session: Session, message: AgentToServer, uid: string, reply: ServerToAgent, now: number): string {
  const holder = state.agents.get(uid)?.sessionId;
  const heldElsewhere = holder !== undefined && holder !== session.id && state.openSessions.has(holder);
  const requested = ((message.flags ?? 0) & AgentToServerFlags.RequestInstanceUid) !== 0;
  if (!requested && !heldElsewhere) return uid;
  const fresh = uuidv7(now);
  reply.agentIdentification = { newInstanceUid: fresh };
  const existing = state.agents.get(uid);
  if (requested && !heldElsewhere && existing !== undefined) {
    // The agent gave up this uid: forget it so it does not linger as an offline ghost.
    state.agents.delete(uid);
    state.emitter.emit('agentDisconnected', { uid, reason: 'reassigned' });
  }
  return uuidToString(fresh);
}

function bindSession(state: ProtocolState, record: AgentRecord, session: Session): void {
  if (session.transport === 'websocket') {
    if (session.uid !== undefined && session.uid !== record.uid) {
      const previous = state.agents.get(session.uid);
      if (previous?.sessionId === session.id) markOffline(state, previous, 'reassigned');
    }
    record.sessionId = session.id;
    session.uid = record.uid;
  } else {
    delete record.sessionId;
  }
  record.transport = session.transport;
  record.online = true;
}

/**
 * The offer to include now, if any. Spec: only when the latest message advertised
 * AcceptsPackages; again when the agent echoes an aggregate that is not the wanted one.
 */
export function pendingOffer(state: ProtocolState, record: AgentRecord, reportedStatuses: boolean): PreparedOffer | undefined {
  if (!acceptsPackages(record)) {
    // Forget what was delivered, so that regaining the capability brings the offer again.
    delete record.deliveredAllPackagesHash;
    return undefined;
  }
  const wanted = state.offers.get(record.uid);
  if (wanted === undefined) return undefined;
  const hash = wanted.offer.allPackagesHash;
  if (record.deliveredAllPackagesHash !== hash) return wanted;
  if (reportedStatuses && record.reportedAllPackagesHash !== hash) return wanted;
  return undefined;
}

/** Records what was sent: per package the hash and when that hash was first delivered. */
export function markDelivered(record: AgentRecord, offer: AgentOffer, now: number): void {
  const delivered: AgentRecord['delivered'] = {};
  for (const [name, entry] of Object.entries(offer.packages)) {
    const previous = record.delivered[name];
    delivered[name] = previous?.hash === entry.hash ? previous : { hash: entry.hash, at: now };
  }
  record.delivered = delivered;
  record.deliveredAllPackagesHash = offer.allPackagesHash;
}

/** Marks the agent offline (once) and tells listeners why. */
export function markOffline(state: ProtocolState, record: AgentRecord, reason: 'closed' | 'disconnect' | 'heartbeatMissed' | 'shutdown' | 'reassigned'): void {
  delete record.sessionId;
  if (!record.online) return;
  record.online = false;
  state.emitter.emit('agentDisconnected', { uid: record.uid, reason });
}

function emitPackage(state: ProtocolState, record: AgentRecord, name: string): void {
  const observed = record.packages[name];
  const payload: { uid: string; package: string; state?: NonNullable<typeof observed>['state'] } = { uid: record.uid, package: name };
  if (observed !== undefined) payload.state = observed.state;
  state.emitter.emit('packageStatusChanged', payload);
}
