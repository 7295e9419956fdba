import { closeSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ReadybookError } from './errors.js';
import type { RunEvent } from './events.js';

export const JOURNAL_FILE = 'journal.jsonl';

/**
 * The run's journal: one JSON event per line, appended with a synchronous write per event, so a
 * SIGKILL at any moment loses nothing already reported and leaves every complete line parseable.
 */
export class Journal {
  private fd: number | undefined;

  constructor(readonly dir: string) {
    this.fd = openSync(join(dir, JOURNAL_FILE), 'a', 0o600);
  }

  append(event: RunEvent): void {
    if (this.fd === undefined) return;
    writeSync(this.fd, `${JSON.stringify(event)}\n`);
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
