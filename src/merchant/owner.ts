/** Key-owner names: every data key and sealed record belongs to exactly one owner. */
export const merchantOwner = (merchantId: string) => `merchant:${merchantId}`;
