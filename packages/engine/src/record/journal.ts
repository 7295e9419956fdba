import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ReadybookError } from '../errors.js';
import type { RunEvent } from './events.js';

export const JOURNAL_FILE = 'journal.jsonl';

/** sha256 (hex) of one journal line as written, without its newline: what the next event's `prev` holds. */
export function lineHash(line: string): string {
  return createHash('sha256').update(line).digest('hex');
}

/**
 * The run's journal: one JSON event per line, appended with a synchronous write per event, so a
 * SIGKILL at any moment loses nothing already reported and leaves every complete line parseable.
 *
 * The journal is a hash chain: every event carries `seq` (its 0-based line number) and, after the
 * first, `prev` — the sha256 of the previous line as written. Editing, dropping or reordering a line
 * breaks the chain at that line; the signed seal written at run end (seal.ts) fixes its length and head.
 */
export class Journal {
  private fd: number | undefined;
  private seq = 0;
  private prev: string | undefined;
  /** Told every line as written, after it is on disk (the store's writer sends it on). */
  onLine: ((seq: number, line: string) => void) | undefined;

  constructor(readonly dir: string) {
    const path = join(dir, JOURNAL_FILE);
    // A resumed run continues the chain from the last complete event of the earlier attempt.
    if (existsSync(path)) {
      const lines = readFileSync(path, 'utf8').split('\n').filter((line) => line.trim() !== '');
      for (let i = lines.length - 1; i >= 0; i -= 1) {
        try {
          const last = JSON.parse(lines[i] as string) as { seq?: unknown };
          this.seq = (typeof last.seq === 'number' ? last.seq : i) + 1;
          this.prev = lineHash(lines[i] as string);
          break;
        } catch {
          // a line torn by a crash: chain to the complete one before it
        }
      }
    }
    this.fd = openSync(path, 'a', 0o600);
  }

  append(event: RunEvent): void {
    if (this.fd === undefined) return;
    const line = JSON.stringify({ ...event, seq: this.seq, ...(this.prev ? { prev: this.prev } : {}) });
    writeSync(this.fd, `${line}\n`);
    this.onLine?.(this.seq, line);
    this.seq += 1;
    this.prev = lineHash(line);
  }

  /** Forces the journal to disk: before a rollback and at the end of a run. */
  sync(): void {
    if (this.fd !== undefined) fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd === undefined) return;
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = undefined;
  }
}

/**
 * Reads a journal. A last line cut short by a crash is ignored; a damaged line elsewhere is an error.
 */
export function readJournal(dir: string): RunEvent[] {
  let text: string;
  try {
    text = readFileSync(join(dir, JOURNAL_FILE), 'utf8');
  } catch {
    throw new ReadybookError('RB041', `no journal in ${dir}`);
  }
  const lines = text.split('\n');
  const events: RunEvent[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      events.push(JSON.parse(line) as RunEvent);
    } catch {
      const isLast = lines.slice(i + 1).every((rest) => rest.trim() === '');
      if (!isLast) throw new ReadybookError('RB046', `${join(dir, JOURNAL_FILE)}:${i + 1}: line is not valid JSON`);
    }
  });
  return events;
}
