export declare class NetworkCallError extends Error {
  constructor(what: string);
}
export declare const blockedCalls: string[];
