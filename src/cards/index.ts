/** Public API of the card rules: import from here, not from the individual modules. */
export { isLuhnValid, luhnCheckDigit } from './luhn.js';
export {
  type CardBrand,
  type IinRule,
  CARD_BRANDS,
  BRAND_LENGTHS,
  IIN_RULES,
  isCardBrand,
  brandLengths,
  detectBrand,
} from './brand.js';
export { type PanValidation, isPanFormat, validatePan, panBin, panLastFour } from './pan.js';
export {
  type ExpiryCheck,
  normalizeExpiryYear,
  isValidExpiryMonth,
  isValidExpiryYear,
  endOfExpiryMonth,
  checkExpiry,
} from './expiry.js';
export {
  type BinRecord,
  type BinTable,
  BIN_MIN_LENGTH,
  BIN_MAX_LENGTH,
  parseBinTable,
  loadBinTable,
  cardBrandOf,
} from './bin-table.js';
