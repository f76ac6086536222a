/**
 * The OpAMP wire format: protobuf encoding of the two top-level messages (loaded once
 * from `proto/opamp.proto` with protobufjs) and the WebSocket frame header.
 */
import protobuf from 'protobufjs';
import { fileURLToPath } from 'node:url';
import type { AgentToServer, ServerToAgent } from './messages.ts';

const protoPath = fileURLToPath(new URL('./proto/opamp.proto', import.meta.url));
const root = protobuf.loadSync(protoPath);
const agentToServerType = root.lookupType('opamp.proto.AgentToServer');
const serverToAgentType = root.lookupType('opamp.proto.ServerToAgent');

/**
 * `defaults: false` keeps absent fields absent, which is how the server tells "missing =
 * unchanged" from "empty". Bytes stay as the decoder produced them: views of the input.
 */
const toObjectOptions: protobuf.IConversionOptions = { longs: Number, defaults: false, arrays: false, objects: false };

/** A frame or body that is not a valid OpAMP message. Terminal for that message: do not retry it. */
export class OpampDecodeError extends Error {
  readonly code = 'E_OPAMP_DECODE' as const;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OpampDecodeError';
  }
}

/** Encodes an AgentToServer message to protobuf bytes. */
export function encodeAgentToServer(message: AgentToServer): Uint8Array {
  return agentToServerType.encode(message).finish();
}

/** Decodes protobuf bytes into an AgentToServer; throws `OpampDecodeError` on malformed input. */
export function decodeAgentToServer(bytes: Uint8Array): AgentToServer {
  return decodeWith(agentToServerType, bytes) as AgentToServer;
}

/** Encodes a ServerToAgent message to protobuf bytes. */
export function encodeServerToAgent(message: ServerToAgent): Uint8Array {
  return serverToAgentType.encode(message).finish();
}

/** Decodes protobuf bytes into a ServerToAgent; throws `OpampDecodeError` on malformed input. */
export function decodeServerToAgent(bytes: Uint8Array): ServerToAgent {
  return decodeWith(serverToAgentType, bytes) as ServerToAgent;
}

function decodeWith(type: protobuf.Type, bytes: Uint8Array): unknown {
  // A plain Uint8Array view (not a Buffer) makes protobufjs hand out plain Uint8Array
  // views for `bytes` fields, whatever the caller passed in.
  const view = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try {
    return type.toObject(type.decode(view), toObjectOptions);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new OpampDecodeError(`malformed ${type.name}: ${reason}`, { cause: error });
  }
}

/** Prefixes a protobuf payload with the WebSocket varint header 0 (spec: WebSocket transport). */
export function encodeWsFrame(payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(payload.byteLength + 1);
  frame.set(payload, 1);
  return frame;
}

/**
 * Returns the protobuf payload of a WebSocket binary frame. A first byte 0x00 is the
 * header and is stripped. Any other first byte means a legacy headerless frame (clients
 * before spec v0.7), decoded whole: valid protobuf never starts with 0x00. A first byte
 * 0x01–0x07 is a non-zero header (as a protobuf tag it would name field 0, which cannot
 * exist), so it is rejected as malformed with `OpampDecodeError`. An empty frame is an
 * empty legacy message.
 */
export function decodeWsFrame(frame: Uint8Array): Uint8Array {
  const first = frame[0];
  if (first === undefined) return frame;
  if (first === 0) return frame.subarray(1);
  if (first < 0x08) throw new OpampDecodeError(`WebSocket frame header must be 0, got ${first}`);
  return frame;
}
