import type { ItemStatus } from '@readybook/engine/checklist';

/**
 * Badge tone of each status: the status word is always shown, the tone only repeats it. `outdated` (evidence of
 * a runbook whose steps changed since the run) is listed whether or not this engine build reports it yet.
 */
export const STATUS_TONE: Readonly<Record<ItemStatus | 'outdated', 'pass' | 'fail' | 'warn'>> = {
  pass: 'pass',
  confirmed: 'pass',
  fail: 'fail',
  missing: 'fail',
  stale: 'warn',
  pending: 'warn',
  outdated: 'warn',
};
