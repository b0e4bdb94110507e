/** Time as a dependency, so tests can move it. */
export type Clock = () => Date;
export const systemClock: Clock = () => new Date();

/** YYYY-MM-DD in UTC: the contract's `format: date`. */
export const isoDate = (d: Date) => d.toISOString().slice(0, 10);

export function addDays(d: Date, days: number): Date {
  return new Date(d.getTime() + days * 86_400_000);
}
