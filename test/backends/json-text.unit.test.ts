import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { jsonFromText } from '../../src/backends/sql/json-text.js';
import { json } from '../../src/values/index.js';

describe('jsonFromText: canonical JSON without losing digits', () => {
  it('equals json() for every document JSON.parse reads exactly (property)', () => {
    fc.assert(fc.property(fc.jsonValue(), fc.constantFrom(0, 2), (v, indent) => {
      const text = JSON.stringify(v, null, indent);
      expect(jsonFromText(text)).toEqual(json(text));
    }), { numRuns: 500 });
  });
  it('keeps integers beyond 2^53 and long decimals exact', () => {
    expect(jsonFromText('{"id": 12345678901234567890, "p": 0.1, "q": 1234567890.123456789, "r": 1.0, "s": 1E2}').v)
      .toBe('{"id":12345678901234567890,"p":0.1,"q":1234567890.123456789,"r":1,"s":100}');
  });
  it('sorts keys, last duplicate wins, strings and escapes as JSON.stringify prints them', () => {
    expect(jsonFromText('{"b":[1,{"z":"\\u00e9\\n","y":null}],"a":true,"a":false}').v).toBe('{"a":false,"b":[1,{"y":null,"z":"é\\n"}]}');
  });
  it.each(['{', '{"a" 1}', '[1,]', '01', '"\\x"', 'tru', '{"a":1}x', '', 'NaN'])('rejects %j', (bad) => {
    expect(() => jsonFromText(bad)).toThrow(/not valid JSON/);
  });
});
