import type { ItemStatus } from '@readybook/engine/checklist';

/** Badge tone of each status: the status word is always shown, the tone only repeats it. */
export const STATUS_TONE: Record<ItemStatus, 'pass' | 'fail' | 'warn'> = {
  pass: 'pass',
  confirmed: 'pass',
  fail: 'fail',
  missing: 'fail',
  stale: 'warn',
  pending: 'warn',
};
