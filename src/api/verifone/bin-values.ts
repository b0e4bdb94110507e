/**
 * BIN-table values as the Verifone contract allows them (issue 11 point 8). The BIN table is the operator's file
 * (any three upper-case letters load as a country or a currency), while the contract enumerates both
 * (`issuerCountryEnum`, `CurrencyCodeEnum`): a value outside the enum is mapped when the contract or ISO names its
 * replacement (`VEF` → `VES`, `ROM` → `ROU`), otherwise omitted — never emitted. Brand and type are checked when
 * the table loads (src/cards/bin-table.ts).
 */
import { loadOpenApi } from '../../http/openapi.js';
import type { components } from '../../contracts/verifone.js';

type Country = components['schemas']['issuerCountryEnum'];

const SCHEMAS = loadOpenApi('verifone-token-management.openapi.json').components.schemas as Record<
  string,
  { enum?: unknown; properties?: Record<string, unknown> }
>;

function enumOf(schema: { enum?: unknown } | undefined, name: string): ReadonlySet<string> {
  if (!Array.isArray(schema?.enum)) throw new Error(`verifone contract: ${name} has no enum`);
  return new Set(schema.enum.filter((value): value is string => typeof value === 'string'));
}

const COUNTRIES = enumOf(SCHEMAS.issuerCountryEnum, 'issuerCountryEnum');

/**
 * The currencies each response allows: CardResponse and PatchTokenResponse use CurrencyCodeEnum, TokenResponse (GET)
 * has an older list of its own (BYR and VEF, no BYN nor VES). A code outside the list of its response is omitted.
 */
export const CURRENCIES = {
  current: enumOf(SCHEMAS.CurrencyCodeEnum, 'CurrencyCodeEnum'),
  tokenResponse: enumOf(SCHEMAS.TokenResponse?.properties?.currency as { enum?: unknown } | undefined, 'TokenResponse.currency'),
} as const;
export type CurrencyList = ReadonlySet<string>;

/** Replaced currency codes, as the contract's CurrencyCodeEnum description lists them (and ISO 4217 for ZMK). */
const CURRENCY_REPLACEMENTS: Readonly<Record<string, string>> = {
  BYR: 'BYN',
  FRF: 'EUR',
  LTL: 'EUR',
  LVL: 'EUR',
  MRO: 'MRU',
  STD: 'STN',
  VEF: 'VES',
  ZMK: 'ZMW',
};

/** Withdrawn ISO 3166-1 alpha-3 codes that old BIN files still carry, with the code that replaced them. */
const COUNTRY_REPLACEMENTS: Readonly<Record<string, string>> = {
  ROM: 'ROU',
  TMP: 'TLS',
  ZAR: 'COD',
};

export function contractCountry(value: string | undefined): Country | undefined {
  if (value === undefined) return undefined;
  const mapped = COUNTRIES.has(value) ? value : COUNTRY_REPLACEMENTS[value];
  return mapped !== undefined && COUNTRIES.has(mapped) ? (mapped as Country) : undefined;
}

export function contractCurrency(value: string | undefined, allowed: CurrencyList): string | undefined {
  if (value === undefined) return undefined;
  const mapped = allowed.has(value) ? value : CURRENCY_REPLACEMENTS[value];
  return mapped !== undefined && allowed.has(mapped) ? mapped : undefined;
}
