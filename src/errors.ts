/**
 * Domain errors: typed values that a domain service throws. Each vendor edge (Verifone, Pismo, admin) maps
 * them to its own envelope; no domain code knows which vendor format it answers in.
 */

/** A field path as the Verifone contract names it: `body.x`, `params.id`, `query.y`. */
export type FieldErrors = Record<string, string>;

export abstract class DomainError extends Error {
  abstract readonly kind: string;
}

/** The caller sent something invalid; `fields` names each invalid input. */
export class InvalidInput extends DomainError {
  readonly kind = 'invalid_input';
  constructor(
    readonly fields: FieldErrors,
    message = 'invalid input',
    /** A vendor-specific code some edges surface (e.g. Pismo ERR codes). */
    readonly code?: string,
  ) {
    super(message);
  }
}

/** The object does not exist, or exists but belongs to someone else (never tell which). */
export class NotFound extends DomainError {
  readonly kind = 'not_found';
  constructor(
    readonly what: string,
    readonly code?: string,
  ) {
    super(`${what} not found`);
  }
}

/** The operation is not legal in the object's current state. */
export class Conflict extends DomainError {
  readonly kind = 'conflict';
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** Missing or wrong credentials. */
export class Unauthorized extends DomainError {
  readonly kind = 'unauthorized';
  constructor(message = 'unauthorized') {
    super(message);
  }
}

/** Credentials are valid but do not allow this. */
export class Forbidden extends DomainError {
  readonly kind = 'forbidden';
  constructor(message = 'forbidden') {
    super(message);
  }
}

/** A card network did not acknowledge: timeout, 5xx, or a 4xx refusal. State was left unchanged. */
export class NetworkFailure extends DomainError {
  readonly kind = 'network_failure';
  constructor(
    readonly mode: 'timeout' | 'error' | 'bad_request',
    message: string,
  ) {
    super(message);
  }
}

/** A provisioning request the issuer (or network) declined. */
export class Declined extends DomainError {
  readonly kind = 'declined';
  constructor(readonly reason: string) {
    super(reason);
  }
}
