/**
 * Compatibility re-export while `src/issuer/admin-routes.ts` (owned elsewhere in the issue 7 refactor) still
 * imports the old names: the accounts/cards service now lives in `./accounts.ts`. Delete with admin-routes.ts.
 */
export { createIssuerAccounts as createIssuerAdmin, type IssuerAccounts as IssuerAdmin, type CreateCardInput, type IssuerCardSecret } from './accounts.js';
