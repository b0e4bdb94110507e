import { describe, it, expect } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadBinTable, parseBinTable } from '../../src/cards/bin-table.js';
import { CARD_BRANDS, brandLengths, detectBrand } from '../../src/cards/brand.js';
import { luhnCheckDigit } from '../../src/cards/luhn.js';

const HEADER = 'bin,brand,issuer_name,issuer_country,type,variant,currency';
const SHIPPED = fileURLToPath(new URL('../../resources/bin-table.csv', import.meta.url));

function makePan(prefix: string, length: number): string {
  const payload = prefix.padEnd(length - 1, '0');
  return payload + luhnCheckDigit(payload);
}

/** Parse `rows` under the standard header and return the error message (line 1 is the header). */
function errorOf(...rows: string[]): string {
  try {
    parseBinTable([HEADER, ...rows].join('\n'), 'bins.csv');
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected parseBinTable to throw');
}

describe('parseBinTable lookup', () => {
  const table = parseBinTable(
    [
      HEADER,
      '4242,VISA,Short Bank,USA,CREDIT,CLASSIC,USD',
      '424242,VISA,Mid Bank,GBR,DEBIT,GOLD,GBP',
      '42424242,VISA,Long Bank,FRA,CREDIT,PLATINUM,EUR',
      '42424242424,VISA,Longest Bank,DEU,CREDIT,INFINITE,EUR',
      '5555,MASTERCARD,,,,,',
    ].join('\n'),
  );

  it('counts rows', () => {
    expect(table.size).toBe(5);
    expect(table.records().map((r) => r.bin)).toEqual(['4242', '424242', '42424242', '42424242424', '5555']);
  });

  it('the longest matching prefix wins', () => {
    expect(table.lookup('4242424242424242')?.issuer_name).toBe('Longest Bank');
    expect(table.lookup('4242424299999999')?.issuer_name).toBe('Long Bank');
    expect(table.lookup('4242429999999999')?.issuer_name).toBe('Mid Bank');
    expect(table.lookup('4242999999999999')?.issuer_name).toBe('Short Bank');
  });

  it('matches a BIN-only input as long as it is at least the BIN', () => {
    expect(table.lookup('42424242')?.issuer_name).toBe('Long Bank');
    expect(table.lookup('424242')?.issuer_name).toBe('Mid Bank');
    expect(table.lookup('424')).toBeUndefined();
  });

  it('unknown prefix → undefined', () => {
    expect(table.lookup('4111111111111111')).toBeUndefined();
    expect(table.lookup('')).toBeUndefined();
  });

  it('returns the full record; empty optional fields are absent', () => {
    expect(table.lookup('4242999999999999')).toEqual({
      bin: '4242',
      brand: 'VISA',
      issuer_name: 'Short Bank',
      issuer_country: 'USA',
      type: 'CREDIT',
      variant: 'CLASSIC',
      currency: 'USD',
    });
    expect(table.lookup('5555555555554444')).toEqual({ bin: '5555', brand: 'MASTERCARD' });
  });

  it('records cannot be mutated by a caller', () => {
    const rec = table.lookup('5555555555554444')!;
    expect(() => {
      (rec as { brand?: string }).brand = 'VISA';
    }).toThrow(TypeError);
  });
});

describe('parseBinTable format', () => {
  it('ignores comments and blank lines, handles CRLF and a BOM', () => {
    const t = parseBinTable('\uFEFF# comment before header\r\n\r\n' + HEADER + '\r\n  # indented comment\r\n   \r\n411111,VISA,A,USA,DEBIT,,USD\r\n');
    expect(t.size).toBe(1);
    expect(t.lookup('4111111111111111')?.currency).toBe('USD');
  });

  it('supports quoted fields with commas and doubled quotes', () => {
    const t = parseBinTable([HEADER, '497010,CB,"Banque Exemple, SA",FRA,DEBIT,"CLASSIC ""PLUS""",EUR', '"411111", VISA ,"",,,,'].join('\n'));
    expect(t.lookup('4970101234567890')).toMatchObject({ issuer_name: 'Banque Exemple, SA', variant: 'CLASSIC "PLUS"' });
    expect(t.lookup('4111111111111111')).toEqual({ bin: '411111', brand: 'VISA' });
  });

  it('reads columns by header name, in any order, optional columns omitted', () => {
    const t = parseBinTable('currency,bin,brand\nEUR,513100,MASTERCARD\n');
    expect(t.lookup('5131001234567890')).toEqual({ bin: '513100', brand: 'MASTERCARD', currency: 'EUR' });
  });

  it('a header-only file is an empty table', () => {
    const t = parseBinTable(HEADER + '\n');
    expect(t.size).toBe(0);
    expect(t.lookup('4111111111111111')).toBeUndefined();
  });
});

describe('parseBinTable validation errors name the file and line', () => {
  it.each([
    ['bin too short', '411,VISA,,,,,', /bin must be 4-11 digits/],
    ['bin too long', '411111111111,VISA,,,,,', /bin must be 4-11 digits/],
    ['bin not digits', '4111a1,VISA,,,,,', /bin must be 4-11 digits/],
    ['bin empty', ',VISA,,,,,', /bin must be 4-11 digits/],
    ['unknown brand', '411111,VISA_ELECTRON,,,,,', /unknown brand "VISA_ELECTRON"/],
    ['lower-case brand', '411111,visa,,,,,', /unknown brand "visa"/],
    ['alpha-2 country', '411111,VISA,,GB,,,', /issuer_country must be 3 upper-case letters/],
    ['lower-case country', '411111,VISA,,gbr,,,', /issuer_country/],
    ['bad type', '411111,VISA,,,PREPAID,,', /type must be DEBIT or CREDIT/],
    ['lower-case type', '411111,VISA,,,debit,,', /type must be DEBIT or CREDIT/],
    ['bad currency', '411111,VISA,,,,,eur', /currency must be 3 upper-case letters/],
    ['numeric currency', '411111,VISA,,,,,978', /currency/],
    ['too few fields', '411111,VISA', /expected 7 fields, found 2/],
    ['too many fields', '411111,VISA,A,GBR,DEBIT,X,GBP,extra', /expected 7 fields, found 8/],
    ['unterminated quote', '411111,VISA,"Bank, Ltd,GBR,DEBIT,,GBP', /unterminated quoted field/],
    ['stray quote', '411111,VISA,Bank "X",GBR,DEBIT,,GBP', /quote/],
  ])('%s', (_label, row, pattern) => {
    // Two leading rows (one of them a comment) so the line number is not trivially 2.
    const msg = errorOf('# a comment', '400000,VISA,,,,,', row);
    expect(msg).toMatch(/^bins\.csv:4: /);
    expect(msg).toMatch(pattern);
  });

  it('duplicate bin names both lines', () => {
    const msg = errorOf('411111,VISA,,,,,', '', '411111,VISA,Other,,,,');
    expect(msg).toMatch(/^bins\.csv:4: duplicate bin 411111 \(first on line 2\)/);
  });

  it('the same digits at different lengths are not duplicates', () => {
    expect(() => parseBinTable([HEADER, '4111,VISA,,,,,', '41111111,VISA,,,,,'].join('\n'))).not.toThrow();
  });

  it('never echoes a PAN pasted into the table', () => {
    const pan = '4111111111111111';
    for (const row of [`${pan},VISA,,,,,`, `411111,${pan},,,,,`, `411111,VISA,,${pan},,,`]) {
      const msg = errorOf(row);
      expect(msg).toMatch(/^bins\.csv:2: /);
      expect(msg).not.toContain(pan);
    }
  });

  it('header errors', () => {
    expect(() => parseBinTable('bin,brand,colour\n')).toThrow(/^<bin table>:1: unknown column "colour"/);
    expect(() => parseBinTable('brand,issuer_name\n', 'x.csv')).toThrow(/^x\.csv:1: header has no "bin" column/);
    expect(() => parseBinTable('bin,bin\n', 'x.csv')).toThrow(/^x\.csv:1: duplicate column "bin"/);
    expect(() => parseBinTable('# only a comment\n\n', 'x.csv')).toThrow(/^x\.csv: no header line/);
  });
});

describe('loadBinTable', () => {
  it('reads a file and names it in errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-bins-'));
    try {
      const good = join(dir, 'good.csv');
      writeFileSync(good, `${HEADER}\n411111,VISA,A,USA,CREDIT,,USD\n`);
      expect(loadBinTable(good).lookup('4111111111111111')?.brand).toBe('VISA');

      const bad = join(dir, 'bad.csv');
      writeFileSync(bad, `${HEADER}\n411111,VISA,A,USA,CREDIT,,USD\n411111,VISA,B,USA,CREDIT,,USD\n`);
      expect(() => loadBinTable(bad)).toThrow(`${bad}:3: duplicate bin 411111`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a missing file throws', () => {
    expect(() => loadBinTable(join(tmpdir(), 'tessera-no-such-bin-table.csv'))).toThrow(/ENOENT/);
  });
});

describe('shipped resources/bin-table.csv', () => {
  const table = loadBinTable(SHIPPED);

  it('loads with 20–30 rows covering every brand', () => {
    expect(table.size).toBeGreaterThanOrEqual(20);
    expect(table.size).toBeLessThanOrEqual(30);
    const brands = new Set(table.records().map((r) => r.brand));
    for (const b of CARD_BRANDS) expect(brands.has(b), b).toBe(true);
  });

  it('contains the well-known test BINs and a few 8-digit BINs', () => {
    for (const bin of ['411111', '424242', '400000', '555555', '222300', '378282', '601111', '353011', '305693', '620000', '675964', '497010']) {
      expect(table.lookup(bin)?.bin, bin).toBe(bin);
    }
    expect(table.records().filter((r) => r.bin.length === 8).length).toBeGreaterThanOrEqual(3);
  });

  it("every row's brand agrees with detectBrand on a PAN starting with its BIN (CB is co-badged Visa/Mastercard)", () => {
    for (const rec of table.records()) {
      expect(rec.brand, rec.bin).toBeDefined();
      const brand = rec.brand!;
      if (brand === 'CB') {
        expect(['VISA', 'MASTERCARD']).toContain(detectBrand(makePan(rec.bin, 16)));
        continue;
      }
      for (const len of brandLengths(brand)) {
        expect(detectBrand(makePan(rec.bin, len)), `${rec.bin} length ${len}`).toBe(brand);
      }
    }
  });

  it('the well-known test PANs resolve to the expected issuer rows', () => {
    expect(table.lookup('4242424242424242')?.variant).toBe('PLATINUM'); // 8-digit row beats 424242
    expect(table.lookup('4242420000000000')?.variant).toBe('GOLD');
    expect(table.lookup('4970101234567890')).toMatchObject({ brand: 'CB', issuer_country: 'FRA', issuer_name: 'Banque Exemple, SA' });
    expect(table.lookup('4000000000000002')?.bin).toBe('400000');
    expect(table.lookup('4000990000000000')?.bin).toBe('4000');
  });
});
