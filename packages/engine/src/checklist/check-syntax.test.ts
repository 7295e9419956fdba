import { describe, expect, test } from 'vitest';
import { parseCheckSpan } from './check-syntax.js';

/** Columns are 1-based offsets into the span text, on line 1. */
const parse = (text: string) => parseCheckSpan(text, 'x.md', (index) => ({ line: 1, column: index + 1 }));

describe('check spans', () => {
  test.each([
    ['evidence: dr-drill', { kind: 'evidence', runbook: 'dr-drill', advisory: false }],
    ['evidence(within=2h, advisory): backup', { kind: 'evidence', runbook: 'backup', within: 7_200_000, advisory: true }],
    ['measure: dr-drill RTO_SECONDS < 14400', { kind: 'measure', runbook: 'dr-drill', output: 'RTO_SECONDS', op: '<', threshold: 14400, advisory: false }],
    ['measure(within=1d): rollback ROLLBACK_SECONDS<=300', { kind: 'measure', runbook: 'rollback', output: 'ROLLBACK_SECONDS', op: '<=', threshold: 300, within: 86_400_000, advisory: false }],
    ['measure: backup BACKUP_BYTES != -1.5', { kind: 'measure', runbook: 'backup', output: 'BACKUP_BYTES', op: '!=', threshold: -1.5, advisory: false }],
    ['measure(baseline=5): load-test P95_MS <= median + 10%', { kind: 'measure', runbook: 'load-test', output: 'P95_MS', op: '<=', baseline: { stat: 'median', runs: 5, percent: 10 }, advisory: false }],
    ['measure: load-test RPS >= median-5%', { kind: 'measure', runbook: 'load-test', output: 'RPS', op: '>=', baseline: { stat: 'median', runs: 5, percent: -5 }, advisory: false }],
    ['measure(advisory, baseline=3, within=1d): load-test P95_MS < median', { kind: 'measure', runbook: 'load-test', output: 'P95_MS', op: '<', baseline: { stat: 'median', runs: 3, percent: 0 }, within: 86_400_000, advisory: true }],
    ['command: pnpm audit --audit-level high', { kind: 'command', command: 'pnpm audit --audit-level high', advisory: false }],
    ['command(timeout=10m): echo "a: b (c)" && test -f x', { kind: 'command', command: 'echo "a: b (c)" && test -f x', timeout: 600_000, advisory: false }],
    ['manual', { kind: 'manual', advisory: false }],
    ['manual(role=security-lead)', { kind: 'manual', role: 'security-lead', advisory: false }],
    ['manual(advisory, role=ops)', { kind: 'manual', role: 'ops', advisory: true }],
  ])('%s', (text, check) => {
    expect(parse(text)).toEqual({ isCheck: true, check, diagnostics: [] });
  });

  test.each(['LICENSE', 'http://example.com', 'pnpm test', 'Note: this is prose'])('`%s` is code, not a check', (text) => {
    expect(parse(text)).toEqual({ isCheck: false, diagnostics: [] });
  });

  test.each([
    ['evidance: dr-drill', 'CL010', 1, 'unknown check kind `evidance`'],
    ['probe(x=1): y', 'CL010', 1, 'unknown check kind `probe`'],
    ['evidence dr-drill', 'CL011', 9, '`evidence` needs a colon before its body'],
    ['measure: dr-drill RTO_SECONDS =< 14400', 'CL012', 31, '`=<` is not a comparator'],
    ['measure: dr-drill RTO_SECONDS lt 14400', 'CL012', 31, '`lt` is not a comparator'],
    ['measure: dr-drill rto < 1', 'CL015', 19, '`rto` is not an output name'],
    ['measure: dr-drill RTO_SECONDS < 4h', 'CL016', 33, '`4h` is not a number'],
    ['measure: dr-drill RTO_SECONDS', 'CL011', 18, '`measure` needs an output, a comparator and a number'],
    ['evidence(within=soon): dr-drill', 'CL013', 17, '`soon` is not a duration'],
    ['command(timeout=5 min): true', 'CL013', 17, '`5 min` is not a duration'],
    ['evidence: ../etc', 'CL014', 11, '`../etc` is not a runbook id'],
    ['evidence(timeout=5m): dr-drill', 'CL017', 10, '`timeout=5m` is not an option of `evidence`'],
    ['measure: dr-drill RTO_SECONDS < 1 within=7d', 'CL018', 35, '`within=7d` must go in the parentheses after `measure`'],
    ['measure: load-test P95_MS <= median * 1.1', 'CL016', 30, '`median * 1.1` is not a baseline'],
    ['measure: load-test P95_MS <= median + 10', 'CL016', 30, '`median + 10` is not a baseline'],
    ['measure(baseline=5): load-test P95_MS <= 200', 'CL027', 42, '`baseline=` needs a threshold relative to the median of earlier runs'],
    ['measure(baseline=0): load-test P95_MS <= median', 'CL016', 18, '`0` is not a number of runs'],
    ['measure(baseline=51): load-test P95_MS <= median', 'CL016', 18, '`51` is not a number of runs'],
    ['command:   ', 'CL019', 9, '`command` has no command to run'],
    ['manual: security-lead', 'CL011', 9, '`manual` takes no body'],
  ])('%s → %s at column %i', (text, code, column, message) => {
    const result = parse(text);
    expect(result.check).toBeUndefined();
    expect(result.diagnostics).toMatchObject([{ code, column, line: 1, message, severity: 'error' }]);
    expect(result.diagnostics[0]!.hint).toBeTruthy();
  });
});
