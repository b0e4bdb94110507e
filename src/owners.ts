/** Key-owner names: every data key and sealed record belongs to exactly one owner, named here and nowhere else. */

/** The owner of everything on the issuer side (card data, PAN fingerprints, account-token signing key). */
export const ISSUER_OWNER = 'issuer';

/** The owner of one merchant's data. */
export const merchantOwner = (merchantId: string) => `merchant:${merchantId}`;

/**
 * The owner of one issuer account's records: its audit chain, events and webhook endpoints (an account's card data
 * stays ISSUER_OWNER's).
 */
export const accountOwner = (accountId: number | string) => `account:${accountId}`;

/** The data-key owner whose key seals secrets of an event owner (`merchant:<id>` or `account:<id>`). */
export const keyOwnerOf = (owner: string) => (owner.startsWith('merchant:') ? owner : ISSUER_OWNER);

/**
 * The owner of what belongs to no merchant and no account: the admin's own actions, failed authentications, and the
 * key that signs the audit trail's anchors.
 */
export const SYSTEM_OWNER = 'system';
