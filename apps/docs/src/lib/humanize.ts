import { formatDuration } from '@readybook/schema';

/** Seconds as people read them: `3.98 s`, `42.5 s`, `4m 05s`, `1h 02m`. */
export function formatSeconds(seconds: number): string {
  if (seconds < 10) return `${seconds.toFixed(2)} s`;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  return formatDuration(seconds * 1000);
}

/** Bytes in binary units: `852 B`, `3.7 KiB`, `1.2 GiB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/**
 * A run output in human form, from the unit its name ends in (`RTO_SECONDS` = `1.972` → `1.97 s`,
 * `BACKUP_BYTES`, `…_MS`, `…_EPOCH`); undefined when the name says no unit or the value is not a number.
 */
export function humanOutput(name: string, value: string): string | undefined {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number)) return undefined;
  if (/(^|_)SECONDS$/.test(name)) return formatSeconds(number);
  if (/(^|_)MS$/.test(name)) return formatSeconds(number / 1000);
  if (/(^|_)BYTES$/.test(name)) return formatBytes(number);
  if (/(^|_)EPOCH$/.test(name)) return new Date(number * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return undefined;
}

/** `2026-11-24 11:45 UTC`. */
export function formatTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** How long before `now` something happened: `2h 05m before this build`, or `at build time` within a second. */
export function ageBefore(iso: string, now: Date, what = 'this build'): string {
  const ms = now.getTime() - new Date(iso).getTime();
  if (!Number.isFinite(ms)) return '';
  if (Math.abs(ms) < 1000) return `at the time of ${what}`;
  return ms > 0 ? `${formatDuration(ms)} before ${what}` : `${formatDuration(-ms)} after ${what}`;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** The engine's plain-text reasons mark commands with backticks: HTML with those as `<code>`, the rest escaped. */
export function codeSpansToHtml(text: string): string {
  const escaped = text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
  return escaped.replace(/`([^`]+)`/g, '<code>$1</code>');
}

/** `1 step`, `7 steps`; `plural` for words that do not just take an s. */
export function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? singular : plural}`;
}

/** A run's status as words: `rolled-back` → `rolled back`, so a rollback never reads as a plain failure. */
export function statusWords(status: string): string {
  return status.replace(/-/g, ' ');
}
