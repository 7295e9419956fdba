import { describe, expect, it } from 'vitest';
import { shortDuration } from './duration';

describe('shortDuration', () => {
  it('writes durations like block options', () => {
    expect([250, 1_000, 1_500, 30_000, 300_000, 1_800_000, 5_400_000, 86_400_000].map(shortDuration)).toEqual([
      '250ms',
      '1s',
      '1.5s',
      '30s',
      '5m',
      '30m',
      '1h30m',
      '1d',
    ]);
  });
});
