/**
 * Figures measured by the suite. Each test file records its own part (results/parts/<name>.json),
 * so parallel workers never write the same file; scripts/figures.ts merges them into latest.json.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_DIR } from './harness.js';

export const PARTS_DIR = join(PACKAGE_DIR, 'results/parts');
export const LATEST = join(PACKAGE_DIR, 'results/latest.json');

export type Figures = Record<string, number | string | boolean | null | Record<string, unknown>>;

/** Merges `figures` into this part's file. */
export function record(part: string, figures: Figures): void {
  mkdirSync(PARTS_DIR, { recursive: true });
  const file = join(PARTS_DIR, `${part}.json`);
  let current: Figures = {};
  try {
    current = JSON.parse(readFileSync(file, 'utf8')) as Figures;
  } catch {
    // first figure of this part
  }
  writeFileSync(file, `${JSON.stringify({ ...current, ...figures }, null, 2)}\n`);
}
