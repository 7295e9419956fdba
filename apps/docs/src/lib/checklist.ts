export interface Completion {
  done: number;
  total: number;
  /** Whole percent, rounded down so 99.6% never reads as 100%. */
  percent: number;
}

export function completion(items: ReadonlyArray<{ done: boolean }>): Completion {
  const total = items.length;
  const done = items.filter((item) => item.done).length;
  return { done, total, percent: total === 0 ? 0 : Math.floor((done / total) * 100) };
}

/** `3 of 4 done (75%)`. */
export function formatCompletion({ done, total, percent }: Completion): string {
  return `${done} of ${total} done (${percent}%)`;
}

/** Completion of the items that decide the gate, of the advisory ones, and of all. */
export function gateCompletion(items: ReadonlyArray<{ done: boolean; required: boolean }>): { required: Completion; advisory: Completion; all: Completion } {
  return {
    required: completion(items.filter((item) => item.required)),
    advisory: completion(items.filter((item) => !item.required)),
    all: completion(items),
  };
}

/** `required 15/15`. */
export function shortCompletion(label: string, { done, total }: Completion): string {
  return `${label} ${done}/${total}`;
}

/**
 * The Markdown around the items that the engine's parse does not keep: the introduction (between the
 * frontmatter and the first `##`) and each section's prose (between its heading and its first item).
 * `sectionLines` are the 1-based heading lines, `firstItemLines` each section's first item line, if any.
 */
export function proseAround(source: string, sectionLines: readonly number[], firstItemLines: ReadonlyArray<number | undefined>): { intro: string; sections: string[] } {
  const lines = source.replace(/^\uFEFF/, '').split(/\r?\n/);
  let start = 0;
  if (lines[0]?.trim() === '---') {
    const close = lines.findIndex((line, index) => index > 0 && /^(---|\.\.\.)\s*$/.test(line));
    start = close === -1 ? lines.length : close + 1;
  }
  const slice = (from: number, to: number) => lines.slice(from, Math.max(from, to)).join('\n').trim();
  const intro = slice(start, (sectionLines[0] ?? lines.length + 1) - 1);
  const sections = sectionLines.map((line, index) => slice(line, (firstItemLines[index] ?? sectionLines[index + 1] ?? lines.length + 1) - 1));
  return { intro, sections };
}
