// A one-line progress bar for long runs, drawn on stderr only when stderr is a terminal.

export interface Progress {
  tick(done: number): void;
  end(): void;
}

export function createProgress(stream: NodeJS.WritableStream, total: number, enabled: boolean, label: string): Progress {
  if (!enabled || total <= 1) return { tick() {}, end() {} };
  const width = 30;
  const draw = (done: number) => {
    const filled = Math.round((done / total) * width);
    stream.write(`\r${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total}`);
  };
  draw(0);
  return {
    tick: draw,
    end() {
      stream.write('\r\x1b[2K');
    },
  };
}
