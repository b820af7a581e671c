// Minimal types for the Digital Bazaar signing stack, used only as the baseline of the issuance
// benchmark (scripts/bench/issue.ts): the plain library path, one vc.issue at a time.
declare module '@digitalbazaar/vc' {
  export function issue(options: {
    credential: object;
    suite: unknown;
    documentLoader: (url: string) => Promise<{ contextUrl: string | null; documentUrl: string; document: unknown }>;
  }): Promise<Record<string, unknown>>;
}
declare module '@digitalbazaar/data-integrity' {
  export class DataIntegrityProof {
    constructor(options: { signer: unknown; cryptosuite: unknown; date?: string | Date });
  }
}
declare module '@digitalbazaar/eddsa-rdfc-2022-cryptosuite' {
  export const cryptosuite: unknown;
}
declare module '@digitalbazaar/ed25519-multikey' {
  export interface Ed25519KeyPair {
    id?: string;
    controller?: string;
    publicKeyMultibase: string;
    signer(): unknown;
  }
  export function generate(options?: { id?: string; controller?: string; seed?: Uint8Array }): Promise<Ed25519KeyPair>;
}
