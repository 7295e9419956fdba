import { randomBytes } from 'node:crypto';

/** `20261124T111502Z-backup-3f9a1c`: sorts by start time, names the runbook, unique per host. */
export function newRunId(runbookId: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
  const slug = runbookId.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'runbook';
  return `${stamp}-${slug}-${randomBytes(3).toString('hex')}`;
}

/** Run ids are used as directory names: refuse anything that could escape the runs folder. */
export function isRunId(text: string): boolean {
  return /^[0-9]{8}T[0-9]{6}Z-[a-z0-9-]+$/.test(text) && text.length <= 80;
}
