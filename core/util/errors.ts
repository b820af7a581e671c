/**
 * Errors a person can act on. `code` is stable for programs; `message` says what is wrong and,
 * where possible, what to do. Shells print `message` alone (no stack) for a LaurelError.
 */
export type ErrorCode =
  | 'INVALID_INPUT'
  | 'NOT_FOUND'
  | 'CONTEXT_INTEGRITY'
  | 'NETWORK_REFUSED'
  | 'KEYSTORE_UNAVAILABLE'
  | 'KEYSTORE_LOCKED'
  | 'KEY_NOT_FOUND'
  | 'BAD_PASSPHRASE'
  | 'VALIDATION'
  | 'UNSUPPORTED'
  | 'CONFLICT'
  | 'CANCELLED'
  /** A text file is not UTF-8 and the user must choose its encoding; `details.guess` names the likely one. */
  | 'ENCODING_REQUIRED'
  /** A publishing host no longer accepts our tokens: the user must connect (authorize) again. */
  | 'AUTH_REQUIRED';

export class LaurelError extends Error {
  readonly code: ErrorCode;
  readonly details?: unknown;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; details?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LaurelError';
    this.code = code;
    this.details = options?.details;
  }
}

export function isLaurelError(e: unknown): e is LaurelError {
  return e instanceof LaurelError;
}
