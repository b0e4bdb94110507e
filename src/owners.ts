/** Key-owner names: every data key and sealed record belongs to exactly one owner, named here and nowhere else. */

/** The owner of everything on the issuer side (card data, PAN fingerprints, account-token signing key). */
export const ISSUER_OWNER = 'issuer';

/** The owner of one merchant's data. */
export const merchantOwner = (merchantId: string) => `merchant:${merchantId}`;
