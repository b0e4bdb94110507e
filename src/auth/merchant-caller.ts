/**
 * Who an authenticated merchant request comes from. Defined here, where authentication produces it, so that auth/
 * (a foundation) never imports a domain; the merchant domain re-exports it (merchant/types.ts).
 */
export interface MerchantCaller {
  merchantId: string;
  apiKeyId: string;
}
