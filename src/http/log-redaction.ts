/**
 * URLs in logs never carry card data: a client that puts a PAN in a path or a CVV in a query string (by mistake
 * or by probing) must not get it written to disk. Digit runs that could be a PAN (12 to 19 Luhn-valid digits,
 * spaces or dashes allowed between them) and the values of sensitive query parameters are replaced. Ids of our
 * own (issuer card and token ids, up to 18 digits) are random and only a tenth of them pass Luhn, so most stay
 * readable; the ones that do are redacted too, which errs on the safe side.
 */
import { isLuhnValid } from '../cards/luhn.js';

const DIGIT_RUN = /\d(?:[ -]?\d){11,}/g;
const redactPans = (text: string) =>
  text.replace(DIGIT_RUN, (run) => {
    const digits = run.replace(/[ -]/g, '');
    return digits.length > 19 || isLuhnValid(digits) ? '[REDACTED]' : run;
  });
const SENSITIVE_PARAMS = /^(pan|card|card_?number|cardnumber|cvv|cvc|cvv2|security_?code|encrypted_?card|secret|password|token|access_?token|api_?key|key)$/i;

function decode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

export function redactUrl(url: string): string {
  const query = url.indexOf('?');
  const rawPath = query === -1 ? url : url.slice(0, query);
  const decodedPath = decode(rawPath);
  const path = redactPans(decodedPath) === decodedPath ? rawPath : redactPans(decodedPath);
  if (query === -1) return path;
  const params = url
    .slice(query + 1)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      const name = equals === -1 ? pair : pair.slice(0, equals);
      if (SENSITIVE_PARAMS.test(decode(name))) return `${name}=[REDACTED]`;
      // Judged decoded, so `4111%201111…` is caught too.
      const decoded = decode(pair);
      return redactPans(decoded) === decoded ? pair : `${name}=[REDACTED]`;
    });
  return `${path}?${params.join('&')}`;
}
