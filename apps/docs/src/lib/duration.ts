const UNITS: Array<[string, number]> = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1_000],
];

/** Milliseconds written back the way a block option is written: `30m`, `5s`, `1h30m`, `1.5s`, `250ms`. */
export function shortDuration(ms: number): string {
  if (ms < 1_000) return `${ms}ms`;
  let rest = ms;
  const parts: string[] = [];
  for (const [unit, size] of UNITS) {
    if (rest >= size) {
      const whole = unit === 's' ? rest / size : Math.floor(rest / size);
      parts.push(`${Number.isInteger(whole) ? whole : whole.toFixed(1)}${unit}`);
      rest -= Math.floor(whole) * size;
      if (unit === 's') rest = 0;
    }
  }
  return parts.join('');
}
