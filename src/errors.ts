/**
 * Domain errors: typed values that a domain service throws, in words of the domain only. Field paths name the
 * domain's own inputs (`tokenScope`, `encryptedCard.cardNumber`, `activationCode`), reasons are short neutral
 * codes. Each vendor edge (Verifone, Pismo, admin) maps them to its own envelope, field paths and error codes;
 * no domain code knows which vendor format it answers in.
 */

/** Why an input was refused: a small neutral vocabulary the edges can branch on. */
export type IssueReason =
  | 'required'
  | 'invalid'
  | 'unknown'
  | 'not_allowed'
  | 'expired'
  | 'deleted'
  | 'conflict'
  | 'unsupported';

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
  /** TEMP compat (legacy callers): vendor-path → message, and a vendor code. Dropped at merge. */
  readonly fields: FieldErrors;
  readonly code?: string;
  constructor(issues: FieldIssue | readonly FieldIssue[] | FieldErrors, message?: string, code?: string) {
    const list: readonly FieldIssue[] = Array.isArray(issues)
      ? (issues as readonly FieldIssue[])
      : isFieldIssue(issues)
        ? [issues]
        : Object.entries(issues as FieldErrors).map(([field, text]) => ({ field, reason: 'invalid' as const, message: text }));
    super(message ?? (isLegacy(issues) ? 'invalid input' : list.map((issue) => `${issue.field} ${issue.message}`).join('; ')));
    this.issues = list;
    this.fields = Object.fromEntries(list.map((issue) => [issue.field, issue.message]));
    if (code !== undefined) this.code = code;
  }
}

/** TEMP compat: the legacy `{ 'body.x': message }` shape. */
export type FieldErrors = Record<string, string>;
function isFieldIssue(value: unknown): value is FieldIssue {
  return typeof value === 'object' && value !== null && typeof (value as FieldIssue).field === 'string' && typeof (value as FieldIssue).reason === 'string';
}
const isLegacy = (value: unknown) => !Array.isArray(value) && !isFieldIssue(value);

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
export type ObjectKind = 'card' | 'token' | 'device' | 'merchant' | 'account' | 'api_key' | 'capture_key' | 'token_scope';

/** The object does not exist, or exists but belongs to someone else (never tell which). */
export class NotFound extends DomainError {
  readonly kind = 'not_found';
  constructor(
    readonly what: ObjectKind | (string & {}),
    /** TEMP compat (legacy callers). */
    readonly code?: string,
  ) {
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
  readonly reason: ConflictReason;
  /** The input the conflict is about, when there is one (edges may name it). */
  readonly field?: string;
  /** TEMP compat (legacy callers: `new Conflict(message, code?)`). */
  readonly code?: string;
  constructor(reason: ConflictReason, message: string, field?: string);
  constructor(message: string, code?: string);
  constructor(first: string, second?: string, field?: string) {
    const modern = (CONFLICT_REASONS as readonly string[]).includes(first) && second !== undefined && !/^ERR/.test(second);
    super(modern ? (second as string) : first);
    this.reason = modern ? (first as ConflictReason) : 'illegal_transition';
    if (modern && field !== undefined) this.field = field;
    if (!modern && second !== undefined) this.code = second;
  }
}
const CONFLICT_REASONS = ['illegal_transition', 'not_suspended_by_issuer', 'unsupported_for_network', 'device_not_bound', 'already_exists', 'deleted', 'expired'] as const;

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
    message: string,
  ) {
    super(message);
  }
}
