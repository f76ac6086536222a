import { describe, expect, it } from 'vitest';
import {
  OpampDecodeError,
  decodeAgentToServer,
  decodeServerToAgent,
  decodeWsFrame,
  encodeAgentToServer,
  encodeServerToAgent,
  encodeWsFrame,
} from '../../src/opamp/codec.ts';
import type { AgentToServer, ServerToAgent } from '../../src/opamp/messages.ts';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const fromHex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text.replaceAll(' ', ''), 'hex'));
const zeros16 = '00'.repeat(16);

// Each row's wire bytes were computed by hand from the field numbers in opamp.proto
// (tag = field << 3 | wire type), not by running the encoder.
const agentToServerCases: { name: string; message: AgentToServer; wire: string }[] = [
  { name: 'uid, sequence, capabilities (issue 4 example)', message: { instanceUid: new Uint8Array(16), sequenceNum: 1, capabilities: 0x19 }, wire: `0a10 ${zeros16} 1001 2019` },
  {
    name: 'agent description with one identifying string attribute',
    message: { agentDescription: { identifyingAttributes: [{ key: 'a', value: { stringValue: 'b' } }] } },
    wire: '1a0a 0a08 0a0161 12030a0162',
  },
  { name: 'health with fixed64 start time', message: { health: { healthy: true, startTimeUnixNano: 1 } }, wire: '2a0b 0801 110100000000000000' },
  {
    name: 'package statuses map and aggregate hash',
    message: { packageStatuses: { packages: { p: { name: 'p', status: 3 } }, serverProvidedAllPackagesHash: fromHex('ab') } },
    wire: '420f 0a0a 0a0170 1205 0a0170 3003 1201ab',
  },
  { name: 'agent disconnect (empty message is present)', message: { agentDisconnect: {} }, wire: '4a00' },
  { name: 'flags RequestInstanceUid', message: { flags: 1 }, wire: '5001' },
  { name: 'int64 attribute value', message: { agentDescription: { nonIdentifyingAttributes: [{ key: 'n', value: { intValue: 300 } }] } }, wire: '1a0a 1208 0a016e 1203 18ac02' },
];

const serverToAgentCases: { name: string; message: ServerToAgent; wire: string }[] = [
  { name: 'uid, flags, capabilities', message: { instanceUid: fromHex('11'.repeat(16)), flags: 1, capabilities: 0x19 }, wire: `0a10 ${'11'.repeat(16)} 3001 3819` },
  {
    name: 'error response with retry info',
    message: { errorResponse: { type: 2, errorMessage: 'x', retryInfo: { retryAfterNanoseconds: 1_000_000_000 } } },
    wire: '120d 0802 120178 1a06 08 8094ebdc03',
  },
  {
    name: 'packages available with file, headers and hashes',
    message: {
      packagesAvailable: {
        packages: {
          '': {
            version: '1.5.0',
            file: { downloadUrl: 'u', contentHash: fromHex('aa'), signature: fromHex('bb'), headers: { headers: [{ key: 'k', value: 'v' }] } },
            hash: fromHex('cc'),
          },
        },
        allPackagesHash: fromHex('dd'),
      },
    },
    wire: '2a28 0a23 0a00 121f 1205312e352e30 1a13 0a0175 1201aa 1a01bb 2208 0a06 0a016b 120176 2201cc 1201dd',
  },
  { name: 'agent identification', message: { agentIdentification: { newInstanceUid: fromHex('22'.repeat(16)) } }, wire: `4212 0a10 ${'22'.repeat(16)}` },
  // proto3 implicit presence: a zero scalar is not on the wire, so Restart (0) is an empty command.
  { name: 'restart command', message: { command: {} }, wire: '4a00' },
];

describe('AgentToServer wire format', () => {
  it.each(agentToServerCases)('$name', ({ message, wire }) => {
    expect(hex(encodeAgentToServer(message))).toBe(wire.replaceAll(' ', ''));
    expect(decodeAgentToServer(fromHex(wire))).toEqual(message);
  });
});

describe('ServerToAgent wire format', () => {
  it.each(serverToAgentCases)('$name', ({ message, wire }) => {
    expect(hex(encodeServerToAgent(message))).toBe(wire.replaceAll(' ', ''));
    expect(decodeServerToAgent(fromHex(wire))).toEqual(message);
  });
});

describe('decoding', () => {
  it('keeps absent sub-messages absent (missing means unchanged)', () => {
    const decoded = decodeAgentToServer(fromHex(`0a10${zeros16}1001`));
    expect(Object.keys(decoded).sort()).toEqual(['instanceUid', 'sequenceNum']);
  });

  it('omits zero scalars when encoding (proto3 implicit presence)', () => {
    expect(hex(encodeServerToAgent({ command: { type: 0 }, flags: 0 }))).toBe('4a00');
    expect(hex(encodeAgentToServer({ sequenceNum: 0, capabilities: 1 }))).toBe('2001');
  });

  it('returns plain Uint8Array bytes even from a Buffer', () => {
    const decoded = decodeAgentToServer(Buffer.from(`0a10${zeros16}`, 'hex'));
    expect(decoded.instanceUid?.constructor).toBe(Uint8Array);
  });

  it('decodes an empty body as an empty message', () => {
    expect(decodeAgentToServer(new Uint8Array(0))).toEqual({});
  });

  it.each([
    ['truncated length-delimited field', '0a10 0000'],
    ['field number 0', '0001'],
    ['invalid wire type 7', '0f01'],
    ['truncated varint', '10ff'],
  ])('rejects %s with E_OPAMP_DECODE', (_name, wire) => {
    const attempt = (): unknown => decodeAgentToServer(fromHex(wire));
    expect(attempt).toThrow(OpampDecodeError);
    try {
      attempt();
    } catch (error) {
      expect((error as OpampDecodeError).code).toBe('E_OPAMP_DECODE');
      expect((error as OpampDecodeError).message).toMatch(/^malformed AgentToServer: /);
    }
  });
});

describe('WebSocket framing', () => {
  it('prefixes the varint header 0', () => {
    const payload = encodeAgentToServer({ instanceUid: new Uint8Array(16), sequenceNum: 1, capabilities: 0x19 });
    expect(hex(encodeWsFrame(payload))).toBe(`000a10${zeros16}10012019`);
    expect(hex(encodeWsFrame(new Uint8Array(0)))).toBe('00');
  });

  it('strips a 0x00 header, including from a header-only frame', () => {
    expect(hex(decodeWsFrame(fromHex(`000a10${zeros16}`)))).toBe(`0a10${zeros16}`);
    expect(decodeWsFrame(fromHex('00')).byteLength).toBe(0);
  });

  it('decodes a legacy headerless frame whole', () => {
    const legacy = fromHex(`0a10${zeros16}1001`);
    expect(decodeWsFrame(legacy)).toBe(legacy);
    expect(decodeAgentToServer(decodeWsFrame(legacy)).sequenceNum).toBe(1);
  });

  it.each([1, 2, 7])('rejects a non-zero header %i as malformed', (header) => {
    expect(() => decodeWsFrame(fromHex(`0${header}0a10${zeros16}`))).toThrow(/WebSocket frame header must be 0/);
  });
});
