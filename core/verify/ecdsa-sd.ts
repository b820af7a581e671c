import { verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { publicKeyFromMultibase } from '../keys/index.ts';
import type { KeyResolver, ResolvedKey } from '../keys/types.ts';
import { canonize, describeJsonLdError, sha256 } from '../proof/canonicalize.ts';
import type { JsonObject, ProofVerificationResult } from '../proof/index.ts';
import { concatBytes, multibaseEncode } from '../util/encoding.ts';

/**
 * W3C VC-DI-ECDSA `ecdsa-sd-2023` (selective disclosure), verifier side: the *derived* proof a
 * holder presents. Feasible with node:crypto and jsonld alone: CBOR-decode the proof value, RDFC
 * the revealed document, relabel its blank nodes with the proof's label map, split the N-Quads into
 * mandatory and selectively disclosed ones, then check the issuer's base signature over
 * proofHash || ephemeral key || SHA-256(mandatory N-Quads) and the ephemeral key's signature on
 * each disclosed N-Quad. A *base* proof (header 0xd95d00) is the holder's private material and is
 * never what a verifier receives; it is reported as such, not checked.
 */

const BASE_HEADER = [0xd9, 0x5d, 0x00];
const DERIVED_HEADER = [0xd9, 0x5d, 0x01];

/** A CBOR subset (RFC 8949): unsigned ints, byte and text strings, arrays, maps. All this suite uses. */
class Cbor {
  private pos = 0;
  private readonly bytes: Uint8Array;
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }

  done(): boolean {
    return this.pos === this.bytes.length;
  }

  private byte(): number {
    const b = this.bytes[this.pos++];
    if (b === undefined) throw new Error('the CBOR data ends early');
    return b;
  }

  private length(info: number): number {
    if (info < 24) return info;
    let n = 0;
    const size = info === 24 ? 1 : info === 25 ? 2 : info === 26 ? 4 : 0;
    if (!size) throw new Error(`unsupported CBOR length encoding ${info}`);
    for (let i = 0; i < size; i++) n = n * 256 + this.byte();
    return n;
  }

  read(depth = 0): unknown {
    if (depth > 8) throw new Error('CBOR nesting too deep');
    const head = this.byte();
    const major = head >> 5;
    const n = this.length(head & 0x1f);
    switch (major) {
      case 0:
        return n;
      case 2:
      case 3: {
        if (this.pos + n > this.bytes.length) throw new Error('a CBOR string runs past the end');
        const s = this.bytes.subarray(this.pos, this.pos + n);
        this.pos += n;
        return major === 2 ? s : new TextDecoder('utf-8', { fatal: true }).decode(s);
      }
      case 4: {
        if (n > this.bytes.length) throw new Error('a CBOR array is longer than the data');
        const out: unknown[] = [];
        for (let i = 0; i < n; i++) out.push(this.read(depth + 1));
        return out;
      }
      case 5: {
        if (n > this.bytes.length) throw new Error('a CBOR map is longer than the data');
        const out = new Map<unknown, unknown>();
        for (let i = 0; i < n; i++) out.set(this.read(depth + 1), this.read(depth + 1));
        return out;
      }
      default:
        throw new Error(`unsupported CBOR major type ${major}`);
    }
  }
}

interface DerivedProofValue {
  baseSignature: Uint8Array;
  publicKey: Uint8Array;
  signatures: Uint8Array[];
  labelMap: Map<string, string>;
  mandatoryIndexes: number[];
}

type Parsed = { ok: true; value: DerivedProofValue } | { ok: false; base?: true; reason: string };

const isBytes = (v: unknown): v is Uint8Array => v instanceof Uint8Array;
const isUint = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

export function parseDerivedProofValue(proofValue: unknown): Parsed {
  if (typeof proofValue !== 'string' || !proofValue.startsWith('u') || !/^u[A-Za-z0-9_-]+$/.test(proofValue)) {
    return { ok: false, reason: 'the proofValue is not multibase base64url (it must start with "u")' };
  }
  const bytes = new Uint8Array(Buffer.from(proofValue.slice(1), 'base64url'));
  const head = [...bytes.subarray(0, 3)];
  if (head.every((b, i) => b === BASE_HEADER[i])) {
    return { ok: false, base: true, reason: 'this is an ecdsa-sd-2023 base proof, which stays with the holder; verifiers check the derived proof the holder makes from it (ask for the presented, derived credential)' };
  }
  if (!head.every((b, i) => b === DERIVED_HEADER[i])) return { ok: false, reason: 'the proofValue is not an ecdsa-sd-2023 derived proof (wrong header bytes)' };
  let parts: unknown;
  try {
    const cbor = new Cbor(bytes.subarray(3));
    parts = cbor.read();
    if (!cbor.done()) throw new Error('extra bytes after the CBOR value');
  } catch (e) {
    return { ok: false, reason: `the derived proofValue is malformed: ${(e as Error).message}` };
  }
  if (!Array.isArray(parts) || parts.length !== 5) return { ok: false, reason: 'the derived proofValue must hold five components' };
  const [baseSignature, publicKey, signatures, compressed, mandatoryIndexes] = parts as unknown[];
  if (!isBytes(baseSignature) || baseSignature.length !== 64) return { ok: false, reason: 'the base signature is not 64 bytes' };
  if (!isBytes(publicKey)) return { ok: false, reason: 'the ephemeral public key is missing' };
  if (!Array.isArray(signatures) || !signatures.every(isBytes)) return { ok: false, reason: 'the disclosed-statement signatures are malformed' };
  if (!(compressed instanceof Map)) return { ok: false, reason: 'the blank node label map is malformed' };
  if (!Array.isArray(mandatoryIndexes) || !mandatoryIndexes.every(isUint)) return { ok: false, reason: 'the mandatory indexes are malformed' };
  const labelMap = new Map<string, string>();
  for (const [k, v] of compressed) {
    if (!isUint(k) || !isBytes(v)) return { ok: false, reason: 'the blank node label map is malformed' };
    labelMap.set(`c14n${k}`, `u${Buffer.from(v).toString('base64url')}`);
  }
  return { ok: true, value: { baseSignature, publicKey, signatures, labelMap, mandatoryIndexes } };
}

/** Replaces `_:c14nN` blank node labels outside literals and IRIs. Throws when the map lacks one. */
function relabel(line: string, labelMap: Map<string, string>): string {
  let out = '';
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (c === '"') {
      let j = i + 1;
      while (j < line.length && line[j] !== '"') j += line[j] === '\\' ? 2 : 1;
      out += line.slice(i, j + 1);
      i = j + 1;
    } else if (c === '<') {
      const j = line.indexOf('>', i);
      out += line.slice(i, j + 1);
      i = j < 0 ? line.length : j + 1;
    } else if (c === '_' && line[i + 1] === ':') {
      let j = i + 2;
      while (j < line.length && line[j] !== ' ') j++;
      const label = line.slice(i + 2, j);
      const mapped = labelMap.get(label);
      if (!mapped) throw new Error(`the label map has no entry for the blank node _:${label}`);
      out += `_:${mapped}`;
      i = j;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

function ecdsaVerify(key: KeyObject, data: Uint8Array, signature: Uint8Array): boolean {
  try {
    return signature.length === 64 && cryptoVerify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, signature);
  } catch {
    return false;
  }
}

/**
 * Verifies one ecdsa-sd-2023 proof of `credential` (which still carries its `proof`). Same result
 * shape as core/proof's verifyDataIntegrity; `resolutionFailure` maps key-resolution errors.
 */
export async function verifyEcdsaSd2023(
  credential: JsonObject,
  proof: JsonObject,
  proofIndex: number,
  resolveKey: KeyResolver,
  expectedController: string | undefined,
  resolutionFailure: (e: unknown) => { status: 'failed' | 'unknown'; reason: string },
): Promise<ProofVerificationResult> {
  const vmRaw = typeof proof.verificationMethod === 'object' && proof.verificationMethod !== null ? (proof.verificationMethod as JsonObject).id : proof.verificationMethod;
  const verificationMethod = typeof vmRaw === 'string' ? vmRaw : null;
  const base = { proofIndex, type: 'DataIntegrityProof', cryptosuite: 'ecdsa-sd-2023', verificationMethod };
  const fail = (reason: string): ProofVerificationResult => ({ ...base, status: 'failed', reason });
  if (proof.proofPurpose !== 'assertionMethod') return fail(`the proof purpose is ${JSON.stringify(proof.proofPurpose ?? null)}; a credential proof must be "assertionMethod"`);
  if (!verificationMethod) return fail('the proof names no verificationMethod');

  const parsed = parseDerivedProofValue(proof.proofValue);
  if (!parsed.ok) return parsed.base ? { ...base, status: 'unknown', reason: parsed.reason } : fail(parsed.reason);
  const { baseSignature, publicKey, signatures, labelMap, mandatoryIndexes } = parsed.value;

  let ephemeral: KeyObject;
  try {
    const pk = publicKeyFromMultibase(multibaseEncode(publicKey));
    if (pk.algorithm !== 'P-256') return fail('the ephemeral key in the derived proof is not a P-256 key');
    ephemeral = pk.keyObject;
  } catch {
    return fail('the ephemeral public key in the derived proof is not a valid P-256 multikey');
  }

  let proofHash: Uint8Array;
  let mandatory: string[];
  let disclosed: string[];
  try {
    const { proof: _p, ...document } = credential;
    const { proofValue: _v, ...options } = proof;
    const [proofCanon, documentCanon] = await Promise.all([canonize({ ...options, '@context': document['@context'] }, 'verify'), canonize(document, 'verify')]);
    proofHash = sha256(proofCanon);
    const lines = documentCanon.split('\n').filter((l) => l !== '').map((l) => `${relabel(l, labelMap)}\n`);
    lines.sort();
    const wanted = new Set(mandatoryIndexes);
    if (mandatoryIndexes.some((i) => i >= lines.length)) return fail('the derived proof marks statements as mandatory that the document does not have: it was changed');
    mandatory = lines.filter((_, i) => wanted.has(i));
    disclosed = lines.filter((_, i) => !wanted.has(i));
  } catch (e) {
    if (e instanceof Error && /label map/.test(e.message)) return fail(`the document does not match its derived proof: ${e.message}`);
    const problem = describeJsonLdError(e);
    if (problem.kind === 'unknown-context') return { ...base, status: 'unknown', reason: `could not check the proof: ${problem.reason}` };
    return fail(`the credential cannot be canonicalized: ${problem.reason}`);
  }

  let resolved: ResolvedKey;
  try {
    resolved = await resolveKey(verificationMethod);
  } catch (e) {
    return { ...base, ...resolutionFailure(e) };
  }
  const withController = { ...base, controller: resolved.controller };
  const key = resolved.publicKey?.keyObject;
  if (!key || key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    return { ...withController, status: key?.asymmetricKeyType === 'ec' ? 'unknown' : 'failed', reason: `ecdsa-sd-2023 is checked for P-256 keys; ${verificationMethod} is not one` };
  }
  if (signatures.length !== disclosed.length) {
    return { ...withController, status: 'failed', reason: `the derived proof has ${signatures.length} statement signatures for ${disclosed.length} disclosed statements: the document was changed` };
  }
  const toVerify = concatBytes(proofHash, publicKey, sha256(mandatory.join('')));
  if (!ecdsaVerify(key, toVerify, baseSignature)) {
    return { ...withController, status: 'failed', reason: 'the signature does not match: the mandatory statements or the proof were changed after signing, or another key signed it' };
  }
  const encoder = new TextEncoder();
  const bad = disclosed.findIndex((line, i) => !ecdsaVerify(ephemeral, encoder.encode(line), signatures[i]!));
  if (bad >= 0) return { ...withController, status: 'failed', reason: `disclosed statement ${bad + 1} of ${disclosed.length} does not match its signature: it was changed after signing` };
  if (!expectedController) return { ...withController, status: 'failed', reason: 'the credential has no issuer id to bind the signing key to' };
  if (resolved.controller !== expectedController) {
    return {
      ...withController,
      status: 'failed',
      keyBound: false,
      reason: `the signing key is not bound to the issuer: ${verificationMethod} is controlled by ${resolved.controller}, not ${expectedController}`,
    };
  }
  return {
    ...withController,
    status: 'passed',
    keyBound: true,
    reason: `valid ecdsa-sd-2023 selective-disclosure signature by ${verificationMethod}, a key of ${expectedController} (${mandatory.length} mandatory and ${disclosed.length} disclosed statements)`,
  };
}
