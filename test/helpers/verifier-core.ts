/**
 * The independent verifier used by the tests: @digitalcredentials/verifier-core (Digital Bazaar
 * stack with its own contexts and did:key resolver). Offline it can't fetch the OB JSON Schema;
 * that attempt is blocked by the network guard and reported as advisory by verifier-core.
 */
import { expect, vi } from 'vitest';
import { verifyCredential } from '@digitalcredentials/verifier-core';
import { blockedCalls } from '../setup/network-guard.ts';

type VerifierInput = Parameters<typeof verifyCredential>[0]['credential'];
export type DccResult = Awaited<ReturnType<typeof verifyCredential>>;

export async function dccVerify(credential: object): Promise<DccResult> {
  const before = blockedCalls.length;
  const quiet = [vi.spyOn(console, 'error').mockImplementation(() => {}), vi.spyOn(console, 'log').mockImplementation(() => {})];
  let result: DccResult;
  try {
    result = await verifyCredential({ credential: credential as unknown as VerifierInput, knownDIDRegistries: [] });
  } finally {
    for (const q of quiet) q.mockRestore();
  }
  // The only network attempt allowed is verifier-core's own JSON Schema fetch.
  for (const a of blockedCalls.slice(before)) expect(a).toMatch(/^fetch https:\/\/purl\.imsglobal\.org\/spec\/ob\/v3p0\/schema\//);
  return result;
}

export function dccStep(result: DccResult, id: string) {
  return result.log?.find((s) => s.id === id);
}

/** True when verifier-core accepts the credential's signature with no fatal error. */
export function dccAccepts(result: DccResult): boolean {
  return !result.errors?.length && dccStep(result, 'valid_signature')?.valid === true;
}
