import type { AdrFrontmatter, AdrStatus } from '@readybook/schema';
import { inputError } from './input-error.js';

/** An ADR as the site sees it: its collection id (file name without .md) and validated frontmatter. */
export interface AdrRecord {
  id: string;
  data: AdrFrontmatter;
}

const pad = (n: number) => String(n).padStart(4, '0');

/**
 * Every problem with the decision log's cross-references, as messages naming both files:
 * the file name's number must match `number`, numbers are unique, and `superseded-by` and `supersedes`
 * must agree both ways (A superseded-by B ⇔ B supersedes A).
 */
export function checkAdrLinks(adrs: ReadonlyArray<AdrRecord>): string[] {
  const problems: string[] = [];
  const byNumber = new Map<number, AdrRecord>();
  for (const adr of adrs) {
    const prefix = Number(adr.id.slice(0, 4));
    if (prefix !== adr.data.number) {
      problems.push(`decisions/${adr.id}.md: frontmatter number ${adr.data.number} does not match the file name (${pad(prefix)})`);
    }
    const clash = byNumber.get(adr.data.number);
    if (clash) problems.push(`decisions/${adr.id}.md: number ${adr.data.number} is also used by decisions/${clash.id}.md`);
    else byNumber.set(adr.data.number, adr);
  }
  for (const adr of adrs) {
    const name = `decisions/${adr.id}.md`;
    const successorNumber = adr.data['superseded-by'];
    if (successorNumber !== undefined) {
      const successor = byNumber.get(successorNumber);
      if (!successor) problems.push(`${name}: superseded-by ${successorNumber}, but there is no ADR ${pad(successorNumber)}`);
      else if (!successor.data.supersedes.includes(adr.data.number)) {
        problems.push(`${name}: superseded-by ${successorNumber}, but decisions/${successor.id}.md does not list ${adr.data.number} in supersedes`);
      }
    }
    for (const oldNumber of adr.data.supersedes) {
      const old = byNumber.get(oldNumber);
      if (!old) problems.push(`${name}: supersedes ${oldNumber}, but there is no ADR ${pad(oldNumber)}`);
      else if (old.data['superseded-by'] !== adr.data.number) {
        problems.push(`${name}: supersedes ${oldNumber}, but decisions/${old.id}.md does not say superseded-by: ${adr.data.number}`);
      }
    }
  }
  return problems;
}

/** Sorts by number and fails loudly on any broken cross-reference, so a bad log never publishes. */
export function orderedAdrs<T extends AdrRecord>(adrs: ReadonlyArray<T>): T[] {
  const problems = checkAdrLinks(adrs);
  if (problems.length > 0) throw inputError(`The decision log is inconsistent:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  return [...adrs].sort((a, b) => a.data.number - b.data.number);
}

export function adrLabel(number: number): string {
  return `ADR ${pad(number)}`;
}

/** Starlight Badge variant per status. */
export function statusVariant(status: AdrStatus): 'success' | 'caution' | 'danger' | 'note' | 'default' {
  switch (status) {
    case 'accepted':
      return 'success';
    case 'proposed':
      return 'note';
    case 'superseded':
    case 'deprecated':
      return 'caution';
    case 'rejected':
      return 'danger';
    default:
      return 'default';
  }
}
