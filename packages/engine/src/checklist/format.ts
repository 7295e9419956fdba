import { formatDuration } from '@readybook/schema';

const UNITS: ReadonlyArray<[string, number]> = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1_000],
];

/** A limit as people write it in a check: `7d`, `5m`, `90s`; other values as formatDuration prints them. */
export function formatLimit(ms: number): string {
  for (const [unit, size] of UNITS) if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  return formatDuration(ms);
}

/** `2h 05m ago`, `just now` for anything under a second or in the future. */
export function formatAge(ms: number): string {
  return ms < 1_000 ? 'just now' : `${formatDuration(ms)} ago`;
}
