/**
 * Structured logging with redaction configured once: whatever a log call is handed, these paths never reach
 * the output in clear. Request bodies are never logged at all; this is the second line of defence.
 */
import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';

const SENSITIVE_KEYS = [
  'pan',
  'cardNumber',
  'card_number',
  'cvv',
  'encrypted_card',
  'secret',
  'api_key',
  'password',
  'access_token',
  'privateKey',
  'private_key',
  'masterKey',
  'adminToken',
];

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  ...SENSITIVE_KEYS,
  ...SENSITIVE_KEYS.map((k) => `*.${k}`),
  ...SENSITIVE_KEYS.map((k) => `*.*.${k}`),
];

export function loggerOptions(level: string): LoggerOptions {
  return { level, redact: { paths: REDACT_PATHS, censor: '[REDACTED]' } };
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return destination ? pino(loggerOptions(level), destination) : pino(loggerOptions(level));
}

export type { Logger };
