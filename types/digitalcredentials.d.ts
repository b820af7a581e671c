// Minimal types for the Digital Credentials Consortium packages the proof tests use as an
// independent reference implementation (they come with @digitalcredentials/verifier-core).
declare module '@digitalcredentials/ed25519-signature-2020' {
  export class Ed25519Signature2020 {
    constructor(options: {
      signer?: { id: string; algorithm: string; sign(args: { data: Uint8Array }): Promise<Uint8Array> };
      date?: string | Date;
    });
  }
}
declare module '@digitalcredentials/jsonld-signatures' {
  const jsigs: {
    sign(
      document: object,
      options: { suite: unknown; purpose: unknown; documentLoader: (url: string) => Promise<unknown> },
    ): Promise<Record<string, unknown>>;
    purposes: { AssertionProofPurpose: new () => unknown };
  };
  export default jsigs;
}
