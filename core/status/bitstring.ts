import { gunzipSync, gzipSync } from 'node:zlib';
import { LaurelError } from '../util/errors.ts';

/**
 * The W3C Bitstring Status List v1.0 bitstring: GZIP (RFC 1952), then multibase base64url without
 * padding ('u' prefix). Index 0 is the left-most bit of the bitstring, i.e. the most significant
 * bit of the first byte (spec §"Bitstring Encoding"; Digital Bazaar's `leftToRightIndexing`).
 */

/** The spec's minimum (and our) list length: 131,072 entries = 16 KiB of one-bit statuses. */
export const MIN_BITSTRING_BITS = 131_072;

/** Refuse to inflate more than this (16 MiB, about 134 million entries): a zip bomb guard. */
export const MAX_BITSTRING_BYTES = 16 * 1024 * 1024;

export function newBitstring(bits: number = MIN_BITSTRING_BITS): Uint8Array {
  if (!Number.isInteger(bits) || bits < MIN_BITSTRING_BITS || bits % 8 !== 0) {
    throw new LaurelError('INVALID_INPUT', `A status list has at least ${MIN_BITSTRING_BITS} bits, in whole bytes (got ${bits}).`);
  }
  return new Uint8Array(bits / 8);
}

function position(bits: Uint8Array, index: number): { byte: number; mask: number } {
  if (!Number.isSafeInteger(index) || index < 0 || index >= bits.length * 8) {
    throw new LaurelError('INVALID_INPUT', `Status index ${index} is outside the list (0…${bits.length * 8 - 1}).`);
  }
  return { byte: index >> 3, mask: 0x80 >> (index & 7) };
}

export function getBit(bits: Uint8Array, index: number): boolean {
  const { byte, mask } = position(bits, index);
  return (bits[byte]! & mask) !== 0;
}

export function setBit(bits: Uint8Array, index: number, on: boolean): void {
  const { byte, mask } = position(bits, index);
  bits[byte] = on ? bits[byte]! | mask : bits[byte]! & ~mask;
}

/**
 * `encodedList` for the bitstring. Node's default gzip (level 6, mtime 0, OS 3) reproduces the
 * spec's example for an all-zero 16 KiB list byte for byte.
 */
export function encodeBitstring(bits: Uint8Array): string {
  if (bits.length * 8 < MIN_BITSTRING_BITS) {
    throw new LaurelError('INVALID_INPUT', `A status list must be at least ${MIN_BITSTRING_BITS} bits (16 KiB) uncompressed; this one is ${bits.length * 8}.`);
  }
  return 'u' + gzipSync(bits).toString('base64url');
}

/**
 * Inflates an `encodedList`. Throws INVALID_INPUT with a plain reason for anything malformed
 * (no 'u' prefix, not base64url, not GZIP, too large). The minimum length is the caller's check.
 */
export function decodeBitstring(encoded: string, options: { maxBytes?: number } = {}): Uint8Array {
  if (typeof encoded !== 'string' || !encoded.startsWith('u')) {
    throw new LaurelError('INVALID_INPUT', 'encodedList is not multibase base64url (it must start with "u")');
  }
  const body = encoded.slice(1);
  if (!/^[A-Za-z0-9_-]*$/.test(body)) throw new LaurelError('INVALID_INPUT', 'encodedList is not base64url (no padding, no +/ characters)');
  const gz = Buffer.from(body, 'base64url');
  if (gz.length < 18 || gz[0] !== 0x1f || gz[1] !== 0x8b) throw new LaurelError('INVALID_INPUT', 'encodedList is not GZIP data');
  try {
    return new Uint8Array(gunzipSync(gz, { maxOutputLength: options.maxBytes ?? MAX_BITSTRING_BYTES }));
  } catch (e) {
    const tooBig = e instanceof RangeError || (e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
    throw new LaurelError('INVALID_INPUT', tooBig ? `encodedList inflates to more than ${options.maxBytes ?? MAX_BITSTRING_BYTES} bytes` : `encodedList is not valid GZIP data: ${(e as Error).message}`);
  }
}
