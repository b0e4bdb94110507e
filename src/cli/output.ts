/**
 * What the CLI prints on stdout: by default lines and tables for people; with `--json` one JSON document per
 * result for machines (nothing else ever goes to stdout: logs and notices go to stderr). Secrets come first, so
 * `tessera … | head -1` still shows a secret that is shown only once, and a closed stdout (EPIPE) never crashes
 * the command: what could not be written there is given on stderr when it holds such a secret.
 */

export interface OutputOptions {
  json: boolean;
}

/** Fields that carry a secret shown only once (dotted paths of the result). */
const SECRET_FIELDS = ['api_key.secret', 'secret', 'admin_token', 'access_token'];

let stdoutClosed = false;

/** Call once at start: a reader that went away (EPIPE) ends our writes to stdout quietly, not with a crash. */
export function guardStdout(stream: NodeJS.WriteStream = process.stdout): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') {
      stdoutClosed = true;
      return;
    }
    throw error;
  });
}

/** Writes to stdout; when it is closed and the text holds a shown-once secret, the text goes to stderr instead. */
export function write(text: string, holdsSecret = false): Promise<void> {
  const rescue = () => {
    if (holdsSecret) process.stderr.write(`tessera: stdout was closed before this could be written; it holds a secret shown only once:\n${text}`);
  };
  if (stdoutClosed) {
    rescue();
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    process.stdout.write(text, (error) => {
      if (error) {
        stdoutClosed = true;
        rescue();
      }
      resolve();
    });
  });
}

type Flat = Array<[string, string]>;

function flatten(value: unknown, prefix = ''): Flat {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [[prefix || 'value', scalar(value)]];
  const lines: Flat = [];
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (inner !== null && typeof inner === 'object' && !Array.isArray(inner)) lines.push(...flatten(inner, path));
    else lines.push([path, scalar(inner)]);
  }
  return lines;
}

function scalar(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (Array.isArray(value)) return value.map(scalar).join(', ');
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

const isSecret = (path: string) => SECRET_FIELDS.includes(path);

/** `key: value` lines, shown-once secrets first. */
function lines(value: unknown): string {
  const flat = flatten(value);
  const ordered = [...flat.filter(([path]) => isSecret(path)), ...flat.filter(([path]) => !isSecret(path))];
  const width = Math.max(...ordered.map(([path]) => path.length));
  return ordered.map(([path, text]) => `${`${path}:`.padEnd(width + 2)}${text}\n`).join('');
}

/** A table with a header row; long values (public keys) are shortened, `--json` gives them whole. */
export function table(rows: readonly Record<string, unknown>[]): string {
  if (rows.length === 0) return '(none)\n';
  const flatRows = rows.map((row) => Object.fromEntries(flatten(row)));
  const columns = [...new Set(flatRows.flatMap((row) => Object.keys(row)))];
  const cell = (row: Record<string, string>, column: string) => {
    const text = row[column] ?? '-';
    return text.length > 40 ? `${text.slice(0, 37)}...` : text;
  };
  const widths = columns.map((column) => Math.max(column.length, ...flatRows.map((row) => cell(row, column).length)));
  const render = (cells: string[]) =>
    `${cells
      .map((text, i) => text.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd()}\n`;
  return render(columns) + flatRows.map((row) => render(columns.map((column) => cell(row, column)))).join('');
}

function holdsSecret(value: unknown): boolean {
  return flatten(value).some(([path, text]) => isSecret(path) && text !== '-');
}

/**
 * Prints one result. A list (`{items, next_cursor}` or `{public_keys}`) is a table (with the cursor of the next
 * page), anything else `key: value` lines; `--json` prints the value as one line of JSON.
 */
export async function emit(value: unknown, options: OutputOptions, message?: string): Promise<void> {
  if (options.json) {
    await write(`${JSON.stringify(value ?? null)}\n`, holdsSecret(value));
    return;
  }
  if (value === undefined) {
    await write(`${message ?? 'done'}\n`);
    return;
  }
  const record = value as Record<string, unknown>;
  const list = Array.isArray(record.items) ? record.items : Array.isArray(record.public_keys) ? record.public_keys : undefined;
  if (list) {
    const next = typeof record.next_cursor === 'string' ? `next page: --cursor ${record.next_cursor}\n` : '';
    await write(table(list as Record<string, unknown>[]) + next);
    return;
  }
  await write(lines(value), holdsSecret(value));
}
