/**
 * The per-request logger (`request.log`), built only when something is actually logged.
 *
 * Fastify gives every request a pino child logger bound to its request id. With our redaction rules (log.ts)
 * building one costs ~10 µs, several percent of a token read, although at the production levels (info, warn)
 * most requests never write a line through it. This stand-in has the same logging methods and makes the real
 * child, with the same bindings (so `reqId` is still on every line), on the first call at an enabled level.
 */
import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify';
import type { Bindings, ChildLoggerOptions, Level, Logger } from 'pino';

type Write = (...args: unknown[]) => void;

class LazyRequestLogger {
  #parent: Logger;
  #bindings: Bindings;
  #child: Logger | undefined;

  constructor(parent: Logger, bindings: Bindings) {
    this.#parent = parent;
    this.#bindings = bindings;
  }

  #real(): Logger {
    return (this.#child ??= this.#parent.child(this.#bindings));
  }

  #write(level: Level, args: unknown[]): void {
    // Until the child exists it would have the parent's level, so the parent's check is the child's.
    const logger = this.#child ?? this.#parent;
    if (logger.isLevelEnabled(level)) (this.#real()[level] as Write)(...args);
  }

  get level(): string {
    return (this.#child ?? this.#parent).level;
  }

  set level(level: string) {
    this.#real().level = level;
  }

  isLevelEnabled(level: string): boolean {
    return (this.#child ?? this.#parent).isLevelEnabled(level);
  }

  bindings(): Bindings {
    return this.#real().bindings();
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): Logger {
    return this.#real().child(bindings, options);
  }

  fatal(...args: unknown[]): void {
    this.#write('fatal', args);
  }
  error(...args: unknown[]): void {
    this.#write('error', args);
  }
  warn(...args: unknown[]): void {
    this.#write('warn', args);
  }
  info(...args: unknown[]): void {
    this.#write('info', args);
  }
  debug(...args: unknown[]): void {
    this.#write('debug', args);
  }
  trace(...args: unknown[]): void {
    this.#write('trace', args);
  }
  silent(): void {}
}

/**
 * Fastify's `childLoggerFactory`. Routes with their own log level or serializers get a real child at once, as
 * Fastify would build it.
 */
export const lazyRequestLogger: NonNullable<FastifyServerOptions['childLoggerFactory']> = (
  logger: FastifyBaseLogger,
  bindings: Bindings,
  options: ChildLoggerOptions,
) => {
  if (options.level !== undefined || options.serializers !== undefined) return logger.child(bindings, options);
  // The server's logger is always pino (log.ts), which has isLevelEnabled.
  return new LazyRequestLogger(logger as unknown as Logger, bindings) as unknown as FastifyBaseLogger;
};
