/** A GFM task-list item of a checklist. */
export interface ChecklistItem {
  /** The item's Markdown text, without the `- [ ]` marker. */
  text: string;
  checked: boolean;
  /** 1-based line in the checklist file. */
  line: number;
}

export interface ChecklistSection {
  title: string;
  items: ChecklistItem[];
}

export interface Completion {
  done: number;
  total: number;
  /** Whole percent, rounded down so 99.6% never reads as 100%. */
  percent: number;
}

const TASK = /^\s*[-*+]\s+\[([ xX])\]\s+(.*)$/;
const FENCE = /^\s*(`{3,}|~{3,})/;

/**
 * Splits a checklist's Markdown (with frontmatter already blanked so line numbers hold) into its
 * introduction and `##` sections of task items. Task items before the first `##` are gathered under
 * an "General" section; code fences are skipped.
 */
export function parseChecklistBody(markdown: string): { intro: string; sections: ChecklistSection[] } {
  const lines = markdown.split(/\r?\n/);
  const intro: string[] = [];
  const sections: ChecklistSection[] = [];
  let current: ChecklistSection | undefined;
  let fence: string | undefined;
  lines.forEach((raw, index) => {
    const fenceMatch = FENCE.exec(raw);
    if (fence) {
      if (fenceMatch && fenceMatch[1]?.startsWith(fence)) fence = undefined;
      if (!current) intro.push(raw);
      return;
    }
    if (fenceMatch) {
      fence = fenceMatch[1];
      if (!current) intro.push(raw);
      return;
    }
    const heading = /^##\s+(.+?)\s*#*\s*$/.exec(raw);
    if (heading && !raw.startsWith('###')) {
      current = { title: heading[1] ?? '', items: [] };
      sections.push(current);
      return;
    }
    const task = TASK.exec(raw);
    if (task) {
      if (!current) {
        current = { title: 'General', items: [] };
        sections.push(current);
      }
      current.items.push({ text: (task[2] ?? '').trim(), checked: task[1] !== ' ', line: index + 1 });
      return;
    }
    if (!current) intro.push(raw);
  });
  return { intro: intro.join('\n').trim(), sections };
}

export function completion(items: ReadonlyArray<{ checked: boolean }>): Completion {
  const total = items.length;
  const done = items.filter((item) => item.checked).length;
  return { done, total, percent: total === 0 ? 0 : Math.floor((done / total) * 100) };
}

export function overallCompletion(sections: ReadonlyArray<ChecklistSection>): Completion {
  return completion(sections.flatMap((section) => section.items));
}

/** `3 of 4 done (75%)`. */
export function formatCompletion({ done, total, percent }: Completion): string {
  return `${done} of ${total} done (${percent}%)`;
}

const CHECK_SPAN = /\s*`((?:evidence|measure|command|manual)\b[^`]*)`\s*$/;
const SIGNED = /\s+signed:\s*(.+?)\s*$/;

/**
 * Separates an item's prose from its trailing check span (`` `measure: dr-drill RTO_SECONDS < 14400` ``,
 * ADR 0010) and its `signed: name (role) date` sign-off, so the page can show each on its own.
 */
export function splitItem(text: string): { text: string; check?: string; signed?: string } {
  let rest = text;
  let signed: string | undefined;
  const signedMatch = SIGNED.exec(rest);
  if (signedMatch) {
    signed = signedMatch[1];
    rest = rest.slice(0, signedMatch.index);
  }
  const checkMatch = CHECK_SPAN.exec(rest);
  if (!checkMatch) return { text: rest.trim(), signed };
  return { text: rest.slice(0, checkMatch.index).trim(), check: checkMatch[1]?.trim(), signed };
}
