/**
 * BIN (IIN) table: issuer details for the first 4–11 digits of a PAN, loaded once at start-up from a CSV file the
 * operator can replace with a commercial BIN file. A bad file stops start-up with an error naming file and line,
 * because serving with a half-loaded table would return wrong bin_details silently.
 */
import { readFileSync } from 'node:fs';
import { isCardBrand, type CardBrand } from './brand.js';

export interface BinRecord {
  bin: string;
  brand?: CardBrand;
  issuer_name?: string;
  /** ISO 3166-1 alpha-3 */
  issuer_country?: string;
  type?: 'DEBIT' | 'CREDIT';
  variant?: string;
  /** ISO 4217 */
  currency?: string;
}

export interface BinTable {
  /** Number of BIN rows. */
  readonly size: number;
  /** Longest-prefix match of `pan` (a PAN or any leading part of one) against the table's BINs. */
  lookup(pan: string): BinRecord | undefined;
  /** Every row, in file order. */
  records(): readonly BinRecord[];
}

export const BIN_MIN_LENGTH = 4;
export const BIN_MAX_LENGTH = 11;

const COLUMNS = ['bin', 'brand', 'issuer_name', 'issuer_country', 'type', 'variant', 'currency'] as const;
type Column = (typeof COLUMNS)[number];

const BIN_FORMAT = /^[0-9]{4,11}$/;
const ALPHA3 = /^[A-Z]{3}$/;
const DIGIT_RUN = /[0-9]{12,}/;

/** Quote a bad value for an error message, unless it could be a PAN (a misaligned column, a pasted card). */
function shown(value: string): string {
  return DIGIT_RUN.test(value) ? '(value withheld: looks like a PAN)' : JSON.stringify(value.slice(0, 40));
}

/**
 * Splits one CSV line (RFC 4180 quoting: `"a, b"`, `""` for a quote inside quotes). Fields spanning several
 * lines are not supported: a BIN file has no use for them and line numbers stay exact.
 * Returns an error message instead of throwing so the caller can prefix file and line.
 */
function splitCsvLine(line: string): string[] | string {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    while (line[i] === ' ' || line[i] === '\t') i++;
    if (line[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) return 'unterminated quoted field';
        value += line.slice(i, q);
        if (line[q + 1] === '"') {
          value += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      while (line[i] === ' ' || line[i] === '\t') i++;
      if (i < line.length && line[i] !== ',') return 'unexpected text after a quoted field';
      fields.push(value);
    } else {
      const comma = line.indexOf(',', i);
      const end = comma < 0 ? line.length : comma;
      const value = line.slice(i, end).trim();
      if (value.includes('"')) return 'a field containing a quote must be quoted as a whole';
      fields.push(value);
      i = end;
    }
    if (i >= line.length) return fields;
    i++; // skip the comma; a trailing comma yields a final empty field
    if (i === line.length) {
      fields.push('');
      return fields;
    }
  }
}

function isColumn(name: string): name is Column {
  return (COLUMNS as readonly string[]).includes(name);
}

function parseHeader(fields: readonly string[]): Column[] | string {
  const columns: Column[] = [];
  for (const name of fields) {
    if (!isColumn(name)) return `unknown column ${shown(name)} (expected ${COLUMNS.join(',')})`;
    if (columns.includes(name)) return `duplicate column "${name}"`;
    columns.push(name);
  }
  if (!columns.includes('bin')) return 'header has no "bin" column';
  return columns;
}

/** Builds and validates one record; returns an error message for the first invalid field. */
function toRecord(columns: readonly Column[], fields: readonly string[]): BinRecord | string {
  const get = (c: Column): string => {
    const i = columns.indexOf(c);
    return i < 0 ? '' : (fields[i] ?? '');
  };
  const bin = get('bin');
  if (!BIN_FORMAT.test(bin)) {
    return `bin must be ${BIN_MIN_LENGTH}-${BIN_MAX_LENGTH} digits (got ${bin.length} characters)`;
  }
  const record: BinRecord = { bin };

  const brand = get('brand');
  if (brand !== '') {
    if (!isCardBrand(brand)) return `unknown brand ${shown(brand)}`;
    record.brand = brand;
  }
  const issuerName = get('issuer_name');
  if (issuerName !== '') record.issuer_name = issuerName;

  const country = get('issuer_country');
  if (country !== '') {
    if (!ALPHA3.test(country)) return `issuer_country must be 3 upper-case letters (ISO 3166-1 alpha-3), got ${shown(country)}`;
    record.issuer_country = country;
  }
  const type = get('type');
  if (type !== '') {
    if (type !== 'DEBIT' && type !== 'CREDIT') return `type must be DEBIT or CREDIT, got ${shown(type)}`;
    record.type = type;
  }
  const variant = get('variant');
  if (variant !== '') record.variant = variant;

  const currency = get('currency');
  if (currency !== '') {
    if (!ALPHA3.test(currency)) return `currency must be 3 upper-case letters (ISO 4217), got ${shown(currency)}`;
    record.currency = currency;
  }
  return Object.freeze(record);
}

/**
 * Parses a BIN table CSV. `source` names the file in error messages.
 * Format: a header line naming columns (`bin` required; the rest of
 * `bin,brand,issuer_name,issuer_country,type,variant,currency` optional, any order), then one row per BIN;
 * empty fields mean "unknown"; blank lines and lines starting with `#` are ignored.
 */
export function parseBinTable(csvText: string, source = '<bin table>'): BinTable {
  const byBin = new Map<string, BinRecord>();
  const lineOf = new Map<string, number>();
  const rows: BinRecord[] = [];
  let columns: Column[] | undefined;

  const text = csvText.startsWith('\uFEFF') ? csvText.slice(1) : csvText;
  const lines = text.split(/\r?\n/);
  for (let n = 0; n < lines.length; n++) {
    const lineNo = n + 1;
    const line = lines[n] ?? '';
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const fail = (msg: string): Error => new Error(`${source}:${lineNo}: ${msg}`);

    const cells = splitCsvLine(line);
    if (typeof cells === 'string') throw fail(cells);

    if (columns === undefined) {
      const header = parseHeader(cells);
      if (typeof header === 'string') throw fail(header);
      columns = header;
      continue;
    }
    if (cells.length !== columns.length) {
      throw fail(`expected ${columns.length} fields, found ${cells.length}`);
    }
    const record = toRecord(columns, cells);
    if (typeof record === 'string') throw fail(record);
    const firstLine = lineOf.get(record.bin);
    if (firstLine !== undefined) throw fail(`duplicate bin ${record.bin} (first on line ${firstLine})`);
    byBin.set(record.bin, record);
    lineOf.set(record.bin, lineNo);
    rows.push(record);
  }
  if (columns === undefined) throw new Error(`${source}: no header line`);

  // Only the BIN lengths actually present are probed, longest first: at most 8 Map lookups per PAN.
  const lengths = [...new Set(rows.map((r) => r.bin.length))].sort((a, b) => b - a);
  const frozenRows = Object.freeze(rows);

  return Object.freeze({
    size: byBin.size,
    lookup(pan: string): BinRecord | undefined {
      for (const len of lengths) {
        if (pan.length < len) continue;
        const hit = byBin.get(pan.slice(0, len));
        if (hit !== undefined) return hit;
      }
      return undefined;
    },
    records: () => frozenRows,
  });
}

/** Reads and parses a BIN table file synchronously (start-up only). */
export function loadBinTable(path: string): BinTable {
  return parseBinTable(readFileSync(path, 'utf8'), path);
}

/**
 * The brand of a card when the caller named none (DOMAIN.md §2): the one its number's IIN range gives, except that a
 * BIN table row saying CB wins over Visa or Mastercard — Carte Bancaires has no range of its own, its cards are
 * co-badged on Visa and Mastercard ranges, so only the BIN table can tell. Without a detected brand, the table's.
 */
export function cardBrandOf(detected: CardBrand | undefined, record: BinRecord | undefined): CardBrand | undefined {
  if (record?.brand === 'CB' && (detected === undefined || detected === 'VISA' || detected === 'MASTERCARD')) return 'CB';
  return detected ?? record?.brand;
}
