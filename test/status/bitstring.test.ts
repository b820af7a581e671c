import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { Bitstring } from '@digitalcredentials/bitstring';
import { MIN_BITSTRING_BITS, decodeBitstring, encodeBitstring, getBit, newBitstring, setBit } from '../../core/status/index.ts';

// W3C Bitstring Status List v1.0, example "BitstringStatusListCredential": an all-zero 16 KiB list.
const SPEC_EMPTY_LIST = 'uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA';

describe('bitstring codec', () => {
  it("reproduces the spec's encodedList for an empty 131,072-entry list, and decodes it", () => {
    expect(encodeBitstring(newBitstring())).toBe(SPEC_EMPTY_LIST);
    const bits = decodeBitstring(SPEC_EMPTY_LIST);
    expect(bits.length).toBe(16 * 1024);
    expect(bits.every((b) => b === 0)).toBe(true);
  });

  it('round-trips random bits', () => {
    const bits = new Uint8Array(randomBytes(MIN_BITSTRING_BITS / 8));
    const encoded = encodeBitstring(bits);
    expect(encoded).toMatch(/^u[A-Za-z0-9_-]+$/);
    expect(decodeBitstring(encoded)).toEqual(bits);
  });

  it('puts index 0 at the most significant bit of the first byte (left-most), as the spec says', () => {
    const bits = newBitstring();
    setBit(bits, 0, true);
    setBit(bits, 9, true);
    setBit(bits, MIN_BITSTRING_BITS - 1, true);
    expect(bits[0]).toBe(0x80);
    expect(bits[1]).toBe(0x40);
    expect(bits.at(-1)).toBe(0x01);
    expect([0, 1, 8, 9, MIN_BITSTRING_BITS - 1].map((i) => getBit(bits, i))).toEqual([true, false, false, true, true]);
    setBit(bits, 9, false);
    expect(bits[1]).toBe(0);
  });

  it("agrees with Digital Bazaar's bitstring (independent implementation) on which index is set", async () => {
    const bits = newBitstring();
    const set = [0, 7, 8, 1234, 94567, MIN_BITSTRING_BITS - 1];
    for (const i of set) setBit(bits, i, true);
    const theirs = new Bitstring({ buffer: await Bitstring.decodeBits({ encoded: encodeBitstring(bits).slice(1) }) });
    for (const i of [...set, 1, 6, 9, 1233, 1235, 94566]) expect(theirs.get(i)).toBe(set.includes(i));
    // And the other way round: their encoding, our decoding.
    const other = new Bitstring({ length: MIN_BITSTRING_BITS });
    other.set(4242, true);
    const ours = decodeBitstring('u' + (await other.encodeBits()));
    expect(getBit(ours, 4242)).toBe(true);
    expect(getBit(ours, 4243)).toBe(false);
  });

  it('refuses malformed or oversized input with a reason', () => {
    expect(() => decodeBitstring(SPEC_EMPTY_LIST.slice(1))).toThrow(/start with "u"/);
    expect(() => decodeBitstring('uAAAA+/==')).toThrow(/base64url/);
    expect(() => decodeBitstring('u' + Buffer.from('not gzip at all, just text').toString('base64url'))).toThrow(/GZIP/);
    const bomb = 'u' + gzipSync(Buffer.alloc(4 * 1024 * 1024)).toString('base64url');
    expect(() => decodeBitstring(bomb, { maxBytes: 1024 * 1024 })).toThrow(/more than/);
    expect(() => encodeBitstring(new Uint8Array(1024))).toThrow(/at least 131072/);
    expect(() => newBitstring(1000)).toThrow(/at least/);
    expect(() => getBit(newBitstring(), MIN_BITSTRING_BITS)).toThrow(/outside/);
  });
});
