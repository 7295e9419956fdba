import { describe, expect, it } from 'vitest';
import { Masker } from './mask.js';

describe('Masker', () => {
  it('masks every occurrence, longest secret first', () => {
    const masker = new Masker(['abc', 'abcdef', undefined, '']);
    expect(masker.mask('x abcdef y abc z')).toBe('x *** y *** z');
    expect(masker.maskDeep({ a: ['abc'], b: { c: 'no abcdef' }, n: 1 })).toEqual({ a: ['***'], b: { c: 'no ***' }, n: 1 });
  });

  it('masks a secret split across stream chunks, byte by byte', () => {
    const secret = 'CANARY-s3cr3t';
    const masker = new Masker([secret]);
    const stream = masker.stream();
    const input = Buffer.from(`before ${secret} middle ${secret}`);
    let out = '';
    for (const byte of input) out += stream.write(Buffer.from([byte]));
    out += stream.end();
    expect(out).toBe('before *** middle ***');
  });

  it('keeps multi-byte characters whole across chunks', () => {
    const stream = new Masker(['ü-secret']).stream();
    const input = Buffer.from('grüße ü-secret');
    const out = stream.write(input.subarray(0, 3)) + stream.write(input.subarray(3)) + stream.end();
    expect(out).toBe('grüße ***');
  });

  it('adds secrets discovered later', () => {
    const masker = new Masker([]);
    expect(masker.active).toBe(false);
    masker.add('token-with-secret');
    expect(masker.mask('a token-with-secret b')).toBe('a *** b');
  });
});
