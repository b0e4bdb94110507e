/** The key owner of everything on the issuer side (card data, PAN fingerprints, account-token signing key). */
export const ISSUER_OWNER = 'issuer';
