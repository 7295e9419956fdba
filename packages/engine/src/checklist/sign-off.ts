/**
 * A manual item records who ticked it and when, at the end of its text:
 *   `Security review done — signed: alice (security-lead) 2026-11-20`
 * The role in parentheses is optional unless the item's check is `manual(role=…)`.
 */
const SIGNED = /\s*(?:[—–-]+\s*)?\bsigned:\s*/i;
const SIGNATURE = /^([^()]+?)\s*(?:\(([^()]+)\))?\s+(\d{4}-\d{2}-\d{2})$/;

export interface SignOff {
  /** The item's text without the sign-off. */
  text: string;
  signedBy?: string;
  role?: string;
  signedAt?: string;
  error?: string;
}

export function parseSignOff(text: string): SignOff {
  const marker = SIGNED.exec(text);
  if (!marker) return { text };
  const before = text.slice(0, marker.index).trim();
  const signature = text.slice(marker.index + marker[0].length).trim();
  const match = SIGNATURE.exec(signature);
  if (!match) return { text: before, error: `cannot read the sign-off \`signed: ${signature}\`` };
  const [, signedBy, role, signedAt] = match as unknown as [string, string, string | undefined, string];
  const date = new Date(`${signedAt}T00:00:00Z`);
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== signedAt) {
    return { text: before, error: `\`${signedAt}\` is not a calendar date` };
  }
  return { text: before, signedBy: signedBy.trim(), signedAt, ...(role ? { role: role.trim() } : {}) };
}
