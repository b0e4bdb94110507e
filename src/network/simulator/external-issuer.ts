/**
 * The simulated issuer of every card that no Tessera issuer account holds: the network routes a card-on-file
 * request there when Tessera's issuer side answers UNKNOWN_CARD. It approves, except for these documented test card
 * numbers (README "Scheme tokens"), which let merchants exercise a decline and an issuer failure:
 *
 * | card number        | network | answer                                        |
 * |--------------------|---------|-----------------------------------------------|
 * | 4000000000000002   | vts     | declined by the issuer                        |
 * | 4000000000000119   | vts     | issuer unavailable (the network answers 5xx)  |
 * | 5555550000000002   | mdes    | declined by the issuer                        |
 * | 5555550000000119   | mdes    | issuer unavailable (the network answers 5xx)  |
 */
import type { Decision } from '../types.js';

export const EXTERNAL_DECLINE_PANS: readonly string[] = Object.freeze(['4000000000000002', '5555550000000002']);
export const EXTERNAL_FAILURE_PANS: readonly string[] = Object.freeze(['4000000000000119', '5555550000000119']);

/** The external issuer's decision on a card, or 'FAIL' when it does not answer. */
export function externalIssuerDecision(pan: string): Decision | 'FAIL' {
  if (EXTERNAL_FAILURE_PANS.includes(pan)) return 'FAIL';
  if (EXTERNAL_DECLINE_PANS.includes(pan)) return 'RED';
  return 'GREEN';
}
