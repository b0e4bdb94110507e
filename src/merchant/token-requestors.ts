/**
 * A merchant's token requestor ids, one per card network: what a merchant must hold to be given card-on-file
 * network tokens it can see and pay with (DOMAIN.md section 3: `network_token` and the PAR are shown only to a
 * merchant that is its own token requestor). Ids are 11 digits in the network's range (Visa 400…, MDES 501…).
 *
 * The simulated networks accept any id of their range, so Tessera assigns it here [ours]; against a real network
 * this is where the network's onboarding answer would be recorded. A second registration on the same network is
 * refused (Conflict on `network`): the existing id stays, and the list shows it.
 */
import { Conflict } from '../errors.js';
import type { Clock } from '../clock.js';
import { recordAudit } from '../ledger/ledger.js';
import { merchantOwner } from '../owners.js';
import { newTokenRequestorId } from '../network/ids.js';
import type { PaymentNetwork } from '../network/types.js';
import type { Transact } from '../store/transactions.js';
import { withRetry } from '../retry.js';
import type { MerchantDal, TokenRequestorRow } from './dal.js';

export interface TokenRequestor {
  tokenRequestorId: string;
  network: PaymentNetwork;
  createdAt: string;
}

export interface TokenRequestorDeps {
  dal: Pick<MerchantDal, 'insertTokenRequestorIfAbsent' | 'tokenRequestorsOf' | 'findTokenRequestor'>;
  transact: Transact;
  clock: Clock;
}

/** Draws of an id until one is free: 10^8 ids per network, so a second draw is already rare. */
const ID_ATTEMPTS = 5;

class IdTaken extends Error {}

const toView = (row: TokenRequestorRow): TokenRequestor => ({
  tokenRequestorId: row.id,
  network: row.network as PaymentNetwork,
  createdAt: row.created_at,
});

export function createTokenRequestorService({ dal, transact, clock }: TokenRequestorDeps) {
  return {
    /** Registers the merchant as a token requestor on `network`; Conflict when it already is one there. */
    async register(merchantId: string, network: PaymentNetwork): Promise<TokenRequestor> {
      const refuse = () => new Conflict('already_exists', `the merchant is already a token requestor on ${network}`, 'network');
      if (await dal.findTokenRequestor(merchantId, network)) throw refuse();
      return withRetry(
        async () => {
          const row: TokenRequestorRow = { id: newTokenRequestorId(network), merchant_id: merchantId, network, created_at: clock().toISOString() };
          const inserted = await transact(async (tx) => {
            if (!(await dal.insertTokenRequestorIfAbsent(tx, row))) return false;
            await recordAudit(
              tx,
              {
                owner: merchantOwner(merchantId),
                actor: 'admin',
                action: 'token_requestor.registered',
                objectType: 'token_requestor',
                objectId: row.id,
                detail: { merchant_id: merchantId, network },
              },
              clock(),
            );
            return true;
          });
          if (inserted) return toView(row);
          // Either a concurrent registration on the same network won, or the drawn id is another merchant's.
          if (await dal.findTokenRequestor(merchantId, network)) throw refuse();
          throw new IdTaken();
        },
        { attempts: ID_ATTEMPTS, retryOn: (error) => error instanceof IdTaken },
      );
    },

    async list(merchantId: string): Promise<TokenRequestor[]> {
      return (await dal.tokenRequestorsOf(merchantId)).map(toView);
    },

    /** The merchant's token requestor on `network`, if it registered as one. */
    async find(merchantId: string, network: PaymentNetwork): Promise<TokenRequestor | undefined> {
      const row = await dal.findTokenRequestor(merchantId, network);
      return row ? toView(row) : undefined;
    },
  };
}

export type TokenRequestorService = ReturnType<typeof createTokenRequestorService>;
