/**
 * Domain errors: typed values that a domain service throws, in words of the domain only. Field paths name the
 * domain's own inputs (`tokenScope`, `encryptedCard.cardNumber`, `activationCode`), reasons are short neutral
 * codes. Each vendor edge (Verifone, Pismo, admin) maps them to its own envelope, field paths and error codes;
 * no domain code knows which vendor format it answers in.
 */

/** Why an input was refused: a small neutral vocabulary the edges can branch on. */
export type IssueReason = 'required' | 'invalid' | 'unknown' | 'not_allowed' | 'expired' | 'deleted' | 'conflict' | 'unsupported';

/** One invalid input: which field (a domain path), why, and a human explanation free of vendor terms. */
export interface FieldIssue {
  field: string;
  reason: IssueReason;
  message: string;
}

export abstract class DomainError extends Error {
  abstract readonly kind: string;
}

/** The caller sent something invalid; each issue names one input. */
export class InvalidInput extends DomainError {
  readonly kind = 'invalid_input';
  readonly issues: readonly FieldIssue[];
  constructor(issues: FieldIssue | readonly FieldIssue[], message?: string) {
    const list = Array.isArray(issues) ? (issues as readonly FieldIssue[]) : [issues as FieldIssue];
    super(message ?? list.map((issue) => `${issue.field} ${issue.message}`).join('; '));
    this.issues = list;
  }
}

/** Collects field issues during validation and throws them together. */
export class IssueList {
  readonly #issues: FieldIssue[] = [];
  add(field: string, reason: IssueReason, message: string): void {
    if (!this.#issues.some((issue) => issue.field === field)) this.#issues.push({ field, reason, message });
  }
  get empty(): boolean {
    return this.#issues.length === 0;
  }
  throwIfAny(): void {
    if (this.#issues.length > 0) throw new InvalidInput(this.#issues);
  }
}

/** What kind of object was not found: edges choose their wording and codes from it. */
export type ObjectKind =
  | 'card'
  | 'token'
  | 'device'
  | 'merchant'
  | 'account'
  | 'api_key'
  | 'capture_key'
  | 'token_scope'
  | 'webhook_endpoint'
  | 'webhook_delivery'
  | 'event';

/** The object does not exist, or exists but belongs to someone else (never tell which). */
export class NotFound extends DomainError {
  readonly kind = 'not_found';
  constructor(readonly what: ObjectKind) {
    super(`${what} not found`);
  }
}

/** Why an operation is not legal in the object's current state. */
export type ConflictReason =
  | 'illegal_transition'
  | 'not_suspended_by_issuer'
  | 'unsupported_for_network'
  | 'device_not_bound'
  | 'already_exists'
  | 'deleted'
  | 'expired';

/** The operation is not legal in the object's current state. */
export class Conflict extends DomainError {
  readonly kind = 'conflict';
  constructor(
    readonly reason: ConflictReason,
    message: string,
    /** The input the conflict is about, when there is one (edges may name it). */
    readonly field?: string,
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

/** A dependency (database, disk) is not available right now; the caller may retry later. */
export class Unavailable extends DomainError {
  readonly kind = 'unavailable';
  constructor(
    readonly dependency: 'database' | 'network' | 'decryption',
    /** Says what is away and why, in words an operator acts on ("the database file is read-only"); never data. */
    message: string,
    /** Whole seconds after which a retry may succeed (the `Retry-After` header of the 503). */
    readonly retryAfterSeconds = 1,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Too many requests (or failed authentications) from one caller or address; it may retry after the delay. */
export class RateLimited extends DomainError {
  readonly kind = 'rate_limited';
  constructor(
    /** Whole seconds until the caller may try again (the `Retry-After` header). */
    readonly retryAfterSeconds: number,
    /** What was limited, for the log: `address`, `credential`, `auth_failures_address`, `auth_failures_key`. */
    readonly limit: string,
  ) {
    super(`rate limited (${limit})`);
  }
}
