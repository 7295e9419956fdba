import { describe, expect, it } from 'vitest';
import { ageBefore, codeSpansToHtml, count, formatBytes, formatTime, humanOutput, statusWords } from './humanize';

describe('humanOutput', () => {
  it('reads a unit from the output name', () => {
    expect(humanOutput('RTO_SECONDS', '3.982')).toBe('3.98 s');
    expect(humanOutput('RPO_SECONDS', '42.5')).toBe('42.5 s');
    expect(humanOutput('RTO_SECONDS', '14400')).toBe('4h 00m');
    expect(humanOutput('STEP_MS', '1500')).toBe('1.50 s');
    expect(humanOutput('BACKUP_BYTES', '3839')).toBe('3.7 KiB');
    expect(humanOutput('BACKUP_CREATED_EPOCH', '1795520717.214')).toBe('2026-11-24T11:45:17Z');
  });

  it('leaves other outputs and non-numbers alone', () => {
    expect(humanOutput('BACKUP_FILE', '/x/app.dump')).toBeUndefined();
    expect(humanOutput('RTO_SECONDS', 'n/a')).toBeUndefined();
    expect(humanOutput('RTO_SECONDS', '')).toBeUndefined();
  });
});

describe('times', () => {
  it('formats bytes, times and ages', () => {
    expect(formatBytes(852)).toBe('852 B');
    expect(formatTime('2026-11-24T11:45:17.214Z')).toBe('2026-11-24 11:45 UTC');
    const now = new Date('2026-11-24T12:00:00Z');
    expect(ageBefore('2026-11-24T09:55:00Z', now)).toBe('2h 05m before this build');
    expect(ageBefore('2026-11-24T12:00:00Z', now)).toBe('at the time of this build');
  });
});

describe('codeSpansToHtml', () => {
  it('turns backticks into code and escapes everything else', () => {
    expect(codeSpansToHtml('add `— signed: <name> (qa-lead) <YYYY-MM-DD>` & retry')).toBe(
      'add <code>— signed: &lt;name&gt; (qa-lead) &lt;YYYY-MM-DD&gt;</code> &amp; retry',
    );
  });
});

describe('count and statusWords', () => {
  it('says one step, two steps and 1,200 runs', () => {
    expect(count(1, 'step')).toBe('1 step');
    expect(count(2, 'step')).toBe('2 steps');
    expect(count(1200, 'run')).toBe('1,200 runs');
    expect(count(0, 'entry', 'entries')).toBe('0 entries');
  });
  it('writes run statuses as words', () => {
    expect(statusWords('rolled-back')).toBe('rolled back');
    expect(statusWords('rollback-failed')).toBe('rollback failed');
    expect(statusWords('passed')).toBe('passed');
  });
});
