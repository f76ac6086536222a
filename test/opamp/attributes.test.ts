import { describe, expect, it } from 'vitest';
import { flattenAttributes, toKeyValues } from '../../src/opamp/attributes.ts';

describe('flattenAttributes', () => {
  it('renders every AnyValue kind to a string', () => {
    const flat = flattenAttributes({
      identifyingAttributes: [
        { key: 'service.name', value: { stringValue: 'otelcol' } },
        { key: 'canary', value: { boolValue: true } },
        { key: 'count', value: { intValue: 42 } },
        { key: 'ratio', value: { doubleValue: 0.5 } },
        { key: 'raw', value: { bytesValue: new Uint8Array([0xde, 0xad]) } },
        { key: 'list', value: { arrayValue: { values: [{ stringValue: 'a' }, { intValue: 1 }, { boolValue: false }] } } },
        { key: 'map', value: { kvlistValue: { values: [{ key: 'k', value: { stringValue: 'v' } }] } } },
        { key: 'unset', value: {} },
        { key: 'missing' },
      ],
    });
    expect(flat).toEqual({
      'service.name': 'otelcol',
      canary: 'true',
      count: '42',
      ratio: '0.5',
      raw: 'dead',
      list: '["a",1,false]',
      map: '{"k":"v"}',
      unset: '',
      missing: '',
    });
  });

  it('lists identifying first and lets them win over non-identifying duplicates', () => {
    const flat = flattenAttributes({
      nonIdentifyingAttributes: [{ key: 'os.type', value: { stringValue: 'linux' } }, { key: 'host.name', value: { stringValue: 'spoof' } }],
      identifyingAttributes: [{ key: 'host.name', value: { stringValue: 'web-1' } }],
    });
    expect(Object.entries(flat)).toEqual([['host.name', 'web-1'], ['os.type', 'linux']]);
  });

  it('skips entries without a key and returns {} for an empty description', () => {
    expect(flattenAttributes({ identifyingAttributes: [{ value: { stringValue: 'x' } }, { key: '' }] })).toEqual({});
    expect(flattenAttributes({})).toEqual({});
  });
});

describe('toKeyValues', () => {
  it('turns a map into string key-values that flatten back to the same map', () => {
    const record = { 'service.name': 'agent', env: 'dev' };
    const kvs = toKeyValues(record);
    expect(kvs).toEqual([
      { key: 'service.name', value: { stringValue: 'agent' } },
      { key: 'env', value: { stringValue: 'dev' } },
    ]);
    expect(flattenAttributes({ identifyingAttributes: kvs })).toEqual(record);
  });
});
