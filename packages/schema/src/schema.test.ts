import { describe, expect, it } from 'vitest';
import {
  adrFrontmatterSchema,
  checkParamValue,
  checkSchema,
  checklistFrontmatterSchema,
  formatDuration,
  parseDuration,
  paramSchema,
  runbookFrontmatterSchema,
} from './index.js';

describe('durations', () => {
  it('parses and formats the one duration syntax', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('10m')).toBe(600_000);
    expect(parseDuration('7d')).toBe(604_800_000);
    expect(parseDuration('abc')).toBeUndefined();
    expect(parseDuration('10')).toBeUndefined();
    expect(formatDuration(850)).toBe('850ms');
    expect(formatDuration(65_000)).toBe('1m 05s');
    expect(formatDuration(3_720_000)).toBe('1h 02m');
  });
});

describe('runbook frontmatter', () => {
  it('applies defaults', () => {
    expect(runbookFrontmatterSchema.parse({ title: 'T' })).toEqual({ title: 'T', tags: [], params: {}, requires: [], ci: 'run', locks: [] });
  });

  it('takes the alerts a runbook answers and the outputs it publishes as metrics', () => {
    const fm = runbookFrontmatterSchema.parse({ title: 'T', alerts: ['DemoServiceDown'], metrics: ['RTO_SECONDS'] });
    expect(fm.alerts).toEqual(['DemoServiceDown']);
    expect(fm.metrics).toEqual(['RTO_SECONDS']);
    expect(runbookFrontmatterSchema.parse({ title: 'T' }).alerts).toBeUndefined();
    expect(runbookFrontmatterSchema.safeParse({ title: 'T', alerts: ['not an alert name'] }).success).toBe(false);
    expect(runbookFrontmatterSchema.safeParse({ title: 'T', alerts: 'DemoServiceDown' }).success).toBe(false);
    expect(runbookFrontmatterSchema.safeParse({ title: 'T', metrics: ['rto'] }).success).toBe(false);
  });

  it('takes the named resources a runbook locks, and refuses bad or repeated names', () => {
    expect(runbookFrontmatterSchema.parse({ title: 'T', locks: ['db-prod', 'app.v2'] }).locks).toEqual(['db-prod', 'app.v2']);
    expect(runbookFrontmatterSchema.safeParse({ title: 'T', locks: ['DB prod'] }).success).toBe(false);
    expect(runbookFrontmatterSchema.safeParse({ title: 'T', locks: ['-db'] }).success).toBe(false);
    expect(runbookFrontmatterSchema.safeParse({ title: 'T', locks: ['x'.repeat(64)] }).success).toBe(false);
    expect(runbookFrontmatterSchema.safeParse({ title: 'T', locks: ['db', 'db'] }).success).toBe(false);
    expect(runbookFrontmatterSchema.safeParse({ title: 'T', locks: 'db' }).success).toBe(false);
  });

  it('rejects unknown fields, empty titles, bad param names and reserved names', () => {
    expect(runbookFrontmatterSchema.safeParse({ title: 'T', parms: {} }).success).toBe(false);
    expect(runbookFrontmatterSchema.safeParse({ title: '  ' }).success).toBe(false);
    expect(runbookFrontmatterSchema.safeParse({ title: 'T', params: { lower: {} } }).success).toBe(false);
    expect(runbookFrontmatterSchema.safeParse({ title: 'T', params: { READYBOOK_X: {} } }).success).toBe(false);
  });

  it('checks params: enum values, pattern syntax, default against its own rules', () => {
    expect(paramSchema.safeParse({ type: 'enum' }).success).toBe(false);
    expect(paramSchema.safeParse({ type: 'string', values: ['a'] }).success).toBe(false);
    expect(paramSchema.safeParse({ pattern: '(' }).success).toBe(false);
    expect(paramSchema.safeParse({ type: 'number', default: 'x' }).success).toBe(false);
    expect(paramSchema.parse({ type: 'enum', values: ['a', 'b'], default: 'b' })).toMatchObject({ required: false, secret: false });
  });
});

describe('checkParamValue', () => {
  it('checks types, enums, whole-value patterns and NUL bytes', () => {
    expect(checkParamValue({ type: 'number' }, '3.5')).toBeUndefined();
    expect(checkParamValue({ type: 'number' }, '')).toMatch(/must be a number/);
    expect(checkParamValue({ type: 'boolean' }, 'yes')).toMatch(/true or false/);
    expect(checkParamValue({ type: 'enum', values: ['v1', 'v2'] }, 'v3')).toMatch(/one of v1, v2/);
    expect(checkParamValue({ type: 'string', pattern: '[a-z]+' }, 'abc')).toBeUndefined();
    expect(checkParamValue({ type: 'string', pattern: '[a-z]+' }, 'abc; rm -rf ~')).toMatch(/does not match/);
    expect(checkParamValue({ type: 'string' }, 'a\0b')).toMatch(/NUL/);
  });
});

describe('ADR frontmatter', () => {
  const base = { number: 3, title: 'Pin Node 24', status: 'accepted', date: '2026-11-24' };
  it('accepts a MADR record and normalises dates and supersedes', () => {
    expect(adrFrontmatterSchema.parse({ ...base, date: new Date('2026-11-24T00:00:00Z'), supersedes: 2 })).toMatchObject({ date: '2026-11-24', supersedes: [2] });
  });
  it('requires a successor for superseded records, and the status for superseded-by', () => {
    expect(adrFrontmatterSchema.safeParse({ ...base, status: 'superseded' }).success).toBe(false);
    expect(adrFrontmatterSchema.safeParse({ ...base, 'superseded-by': 4 }).success).toBe(false);
    expect(adrFrontmatterSchema.safeParse({ ...base, status: 'superseded', 'superseded-by': 4 }).success).toBe(true);
    expect(adrFrontmatterSchema.safeParse({ ...base, status: 'maybe' }).success).toBe(false);
  });
});

describe('checklist frontmatter and checks', () => {
  it('validates gates and max-age', () => {
    expect(checklistFrontmatterSchema.parse({ title: 'T', gate: 'production-launch', owner: 'ops', 'max-age': '7d' })['max-age']).toBe(604_800_000);
    expect(checklistFrontmatterSchema.safeParse({ title: 'T', gate: 'Production Launch', owner: 'ops' }).success).toBe(false);
  });
  it('validates each check kind', () => {
    expect(checkSchema.parse({ kind: 'measure', runbook: 'dr-drill', output: 'RTO_SECONDS', op: '<', threshold: 14400 })).toMatchObject({ advisory: false });
    expect(checkSchema.safeParse({ kind: 'measure', runbook: 'dr-drill', output: 'rto', op: '<', threshold: 1 }).success).toBe(false);
    expect(checkSchema.safeParse({ kind: 'evidence', runbook: '../etc' }).success).toBe(false);
    expect(checkSchema.parse({ kind: 'command', command: 'true', timeout: '5m' })).toMatchObject({ timeout: 300_000 });
    expect(checkSchema.safeParse({ kind: 'vibes' }).success).toBe(false);
  });
});
