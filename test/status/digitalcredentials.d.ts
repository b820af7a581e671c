// Minimal types for the Digital Credentials Consortium status packages (they come with
// @digitalcredentials/verifier-core), used as an independent implementation in the status tests.
declare module '@digitalcredentials/bitstring' {
  export class Bitstring {
    constructor(options: { length?: number; buffer?: Uint8Array; leftToRightIndexing?: boolean });
    set(position: number, on: boolean): void;
    get(position: number): boolean;
    encodeBits(): Promise<string>;
    static decodeBits(options: { encoded: string }): Promise<Uint8Array>;
  }
}
