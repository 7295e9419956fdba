/** Terminal styling that honours NO_COLOR, FORCE_COLOR and non-TTY output. */
export interface Style {
  color: boolean;
  tty: boolean;
  green(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
  cyan(text: string): string;
}

export function makeStyle(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): Style {
  const tty = Boolean(stream.isTTY);
  const color = env.NO_COLOR !== undefined && env.NO_COLOR !== '' ? false : env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' ? true : tty && env.TERM !== 'dumb';
  const wrap = (open: number, close: number) => (text: string) => (color ? `\u001b[${open}m${text}\u001b[${close}m` : text);
  return {
    color,
    tty,
    green: wrap(32, 39),
    red: wrap(31, 39),
    yellow: wrap(33, 39),
    dim: wrap(2, 22),
    bold: wrap(1, 22),
    cyan: wrap(36, 39),
  };
}

/** A plain-text table with aligned columns (no box drawing, so it survives any log viewer). */
export function table(rows: string[][], style?: Style): string {
  const strip = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, '');
  const widths: number[] = [];
  for (const row of rows) for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, strip(cell).length);
  return rows
    .map((row, r) => {
      const line = row.map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - strip(cell).length))).join('  ');
      return r === 0 && style ? style.bold(line) : line;
    })
    .join('\n');
}
