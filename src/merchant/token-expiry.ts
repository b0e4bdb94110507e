/**
 * Expired merchant tokens. The rule (README "Token expiry", openapi/DEFECTS.md): a token is valid through its
 * `token_expiry_date`; from the next day it is expired, reads as `DELETED` (the contract's `token_status` has no
 * EXPIRED, and an expired token is as final as a deleted one: nothing revives it, a PUT of its card makes a fresh
 * token) and refuses every use but DELETE. Once expired for longer than the retention period, this job destroys
 * its sealed card (and the PAN fingerprint with it), each destruction audited and evented with the change.
 */
import { merchantOwner } from '../owners.js';
import { addDays, isoDate, type Clock } from '../clock.js';
import { emitEvent, recordAudit } from '../ledger/ledger.js';
import type { Transact } from '../store/transactions.js';
import type { Logger } from '../log.js';
import type { CardTokenRow, MerchantDal } from './dal.js';

/** The actor of the audit records the retention job writes. */
export const RETENTION_ACTOR = 'retention';
/** Audit action and event type of a destruction (the `merchant.token.*` family of token-service.ts). */
export const TOKEN_EXPIRED_EVENT = 'merchant.token.expired';
const BATCH = 500;

export interface ExpiryReport {
  /** Tokens whose sealed card this run destroyed. */
  destroyed: number;
  /** Tokens expired before this date (YYYY-MM-DD) were eligible. */
  expiredBefore: string;
}

export interface TokenExpiryDeps {
  dal: Pick<MerchantDal, 'listExpiredSealedTokens' | 'updateToken'>;
  transact: Transact;
  clock: Clock;
  /** Days a token stays expired with its sealed card before the job destroys it (0: as soon as it expires). */
  retentionDays: number;
}

/** Whether a token is past its expiry date (valid through the date itself) at `now`. */
export const isTokenExpired = (row: Pick<CardTokenRow, 'token_expiry_date'>, now: Date): boolean => row.token_expiry_date < isoDate(now);

export function createTokenExpiry(deps: TokenExpiryDeps) {
  const { dal, transact, clock, retentionDays } = deps;

  /** Destroys one token's sealed card; false when the row changed meanwhile (the next run looks again). */
  async function destroy(row: CardTokenRow, expiredBefore: string): Promise<boolean> {
    return transact(async (tx) => {
      const at = clock();
      const destroyed = { card_sealed: null, key_version: null, fingerprint: null, updated_at: at.toISOString() };
      if (!(await dal.updateToken(tx, row.id, { rowVersion: row.row_version }, destroyed))) return false;
      await recordAudit(
        tx,
        {
          owner: merchantOwner(row.merchant_id),
          actor: RETENTION_ACTOR,
          action: TOKEN_EXPIRED_EVENT,
          objectType: 'card_token',
          objectId: row.id,
          statusBefore: row.status,
          statusAfter: row.status,
          reason: 'retention',
          detail: { merchant_id: row.merchant_id, token_expiry_date: row.token_expiry_date, expired_before: expiredBefore, ciphertext_destroyed: true },
        },
        at,
      );
      await emitEvent(
        tx,
        {
          type: TOKEN_EXPIRED_EVENT,
          owner: merchantOwner(row.merchant_id),
          // As every merchant.token.* event: the token as the merchant knows it.
          subject: row.reuse_token ?? row.id,
          // The payload of every merchant.token.* event, with the status the token now reads as.
          data: {
            merchant_id: row.merchant_id,
            token_scope: row.token_scope_id,
            reuse_token: row.reuse_token,
            token_status: 'DELETED',
            token_expiry_date: row.token_expiry_date,
          },
        },
        at,
      );
      return true;
    });
  }

  return {
    retentionDays,
    /** Destroys the sealed card of every token expired for longer than the retention period. */
    async run(): Promise<ExpiryReport> {
      // Expired for more than `retentionDays` full days: the expiry date is before today minus that many days.
      const expiredBefore = isoDate(addDays(clock(), -retentionDays));
      let destroyed = 0;
      for (;;) {
        const rows = await dal.listExpiredSealedTokens(expiredBefore, BATCH);
        let progressed = false;
        for (const row of rows) {
          if (await destroy(row, expiredBefore)) {
            destroyed++;
            progressed = true;
          }
        }
        // A batch where every row changed under us is left to the next run rather than looped on.
        if (rows.length < BATCH || !progressed) break;
      }
      return { destroyed, expiredBefore };
    },
  };
}

export type TokenExpiry = ReturnType<typeof createTokenExpiry>;

export interface ExpiryJob {
  /** Runs the job now (or joins the run in progress). */
  runNow(): Promise<ExpiryReport>;
  /** Stops the timer and waits for a run in progress. */
  stop(): Promise<void>;
}

/** Runs `expiry` at start-up and every `intervalMs` (0: only on demand), logging what it destroyed. */
export function startTokenExpiry({ expiry, intervalMs, logger }: { expiry: Pick<TokenExpiry, 'run'>; intervalMs: number; logger: Logger }): ExpiryJob {
  let running: Promise<ExpiryReport> | undefined;
  let stopped = false;
  const runNow = (): Promise<ExpiryReport> =>
    (running ??= expiry
      .run()
      .then((report) => {
        if (report.destroyed > 0) logger.info({ ...report }, 'expired tokens: sealed cards destroyed');
        return report;
      })
      .finally(() => {
        running = undefined;
      }));
  const tick = () => {
    if (stopped) return;
    runNow().catch((error: unknown) => logger.warn({ err: error }, 'token expiry job failed; the next run tries again'));
  };
  tick();
  const timer = intervalMs > 0 ? setInterval(tick, intervalMs) : undefined;
  timer?.unref();
  return {
    runNow,
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
