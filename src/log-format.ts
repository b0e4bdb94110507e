/**
 * TESSERA_LOG_FORMAT: `json` (default; one object a line, for collectors) or `pretty` (pino-pretty, for a person at
 * a terminal). pino-pretty is an optional dependency: it runs as a pino transport in a worker thread, after the
 * redaction of log.ts has been applied in this thread, so pretty output is redacted exactly like JSON output.
 */
import { createRequire } from 'node:module';
import pino, { type DestinationStream, type Logger } from 'pino';
import { createLogger, loggerOptions } from './log.js';
import type { LogFormat } from './config.js';

const require = createRequire(import.meta.url);

export function prettyAvailable(): boolean {
  try {
    require.resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

export interface FormattedLoggerOptions {
  /** For `json`: where lines go (default stdout). */
  destination?: DestinationStream;
  /** For `pretty`: the file descriptor written to (1 = stdout, 2 = stderr), or a file path. */
  fd?: 1 | 2 | string;
}

export function createFormattedLogger(level: string, format: LogFormat, options: FormattedLoggerOptions = {}): Logger {
  if (format === 'json') return createLogger(level, options.destination);
  if (!prettyAvailable()) {
    throw new Error('TESSERA_LOG_FORMAT=pretty needs the optional package pino-pretty (npm install pino-pretty), or use TESSERA_LOG_FORMAT=json');
  }
  const fd = options.fd ?? 1;
  const stream = fd === 2 ? process.stderr : fd === 1 ? process.stdout : undefined;
  const transport = pino.transport({
    target: 'pino-pretty',
    options: { destination: fd, colorize: Boolean(stream?.isTTY), translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' },
  }) as DestinationStream;
  return pino(loggerOptions(level), transport);
}
