import { expect } from 'vitest';
import { fence as F } from './helpers.js';
import { journalOf, normalise, reportOf, type Mode, type ModeResult } from './modes.js';

export const block = (role: string, code: string, options = '') => [`${F}sh ${role}${options ? ` ${options}` : ''}`, code, F].join('\n');
export const step = (title: string, ...blocks: string[]) => [`## ${title}`, ...blocks].join('\n');

export interface Truth {
  code: number;
  status: string;
  /** Steps and how they ended, from the journal. */
  steps?: Array<[number, string]>;
  rollback?: Array<[number, string]>;
}

/** The exit code, the journal and the report tell the same story, and it is `truth`. */
export function expectTruth(mode: Mode, result: ModeResult, home: string, truth: Truth): Array<Record<string, any>> {
  const journal = journalOf(home);
  const end = journal.filter((e) => e.type === 'run.end').at(-1);
  expect(result.code, `${mode}: exit code\n${result.raw}`).toBe(truth.code);
  expect(end, `${mode}: journal has run.end`).toMatchObject({ status: truth.status, exitCode: truth.code });
  const report = reportOf(home, journal[0]?.runId);
  expect(report).toMatchObject({ status: truth.status, exitCode: truth.code });
  if (truth.steps) expect(journal.filter((e) => e.type === 'step.end').map((e) => [e.step.index, e.status])).toEqual(truth.steps);
  if (truth.rollback) expect(journal.filter((e) => e.type === 'rollback.step.end').map((e) => [e.step.index, e.status])).toEqual(truth.rollback);
  if (mode === 'json') {
    // Live output is streamed to --json but not journaled (the block logs keep it).
    expect(result.events.filter((e) => e.type !== 'step.output').map((e) => e.type)).toEqual(journal.map((e) => e.type));
    expect(result.events.at(-1)).toMatchObject({ type: 'run.end', status: truth.status, exitCode: truth.code });
  } else {
    // What a person reads ends with the same verdict and exit code.
    expect(result.screen).toContain(`exit ${truth.code}`);
  }
  return journal;
}

/** What a person sees, pinned: piped and terminal output are snapshotted (json is pinned by the journal). */
export function expectSeen(mode: Mode, result: ModeResult, dir: string) {
  if (mode === 'json') return;
  expect(normalise(result.screen, dir)).toMatchSnapshot();
}

