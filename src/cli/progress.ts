/**
 * Progress of a long CLI task on stderr (stdout stays pure JSON): a bar redrawn in place on a terminal, a plain
 * line per step otherwise (a log file, a CI job), so both a person and a pipeline can follow it.
 */
export interface Progress {
  update(done: number, total: number): void;
  end(): void;
}

const BAR_WIDTH = 30;

export function createProgress(label: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  const tty = Boolean(stream.isTTY);
  let drawn = false;
  return {
    update(done, total) {
      const shown = Math.max(done, total);
      const ratio = shown === 0 ? 1 : done / shown;
      const counts = `${done}/${shown} ${label}`;
      if (tty) {
        const filled = Math.round(ratio * BAR_WIDTH);
        stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${Math.floor(ratio * 100)}% ${counts}`);
        drawn = true;
      } else {
        stream.write(`progress: ${counts}\n`);
      }
    },
    end() {
      if (tty && drawn) stream.write('\n');
    },
  };
}
