import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as analysis from '../bin/lib/analysis.mjs';
import { nearestRank, summarize } from '../bin/lib/stats.mjs';
import { REPO } from './helpers.js';

const { AnalysisError, evaluateCondition, judge, metricNamesIn, parseCondition, prepareTemplate, prometheus, runAnalysis } = analysis;
const ANALYSIS = join(REPO, 'packages/sandbox/bin/analysis.mjs');
const TEMPLATE = join(REPO, 'packages/sandbox/analysis/canary.json');

const template = (overrides: Record<string, unknown> = {}) => ({
  interval: '10ms',
  count: 3,
  failureLimit: 1,
  metrics: [{ name: 'error-rate', query: 'errors', successCondition: 'result[0] < 0.05' }],
  ...overrides,
});

/** A client whose answers come from a queue per query (the last answer repeats). */
function fakeClient(answers: Record<string, number[][]>) {
  const asked: string[] = [];
  return {
    asked,
    async query(query: string) {
      asked.push(query);
      const queue = answers[query]!;
      return queue.length > 1 ? queue.shift()! : queue[0]!;
    },
  };
}
const instant = { sleep: async () => {} };

describe('conditions', () => {
  it('evaluates comparisons, && || !, parentheses, result, result[N] and len(result)', () => {
    const cases: [string, number[], boolean][] = [
      ['result[0] < 0.05', [0.01], true],
      ['result[0] < 0.05', [0.05], false],
      ['result <= 0.05', [0.05], true],
      ['result[1] >= 2 && result[0] == 1', [1, 2], true],
      ['result[0] > 1 || len(result) == 2', [0, 0], true],
      ['!(result[0] != 3)', [3], true],
      ['result[0] < 1e-3', [0.0001], true],
    ];
    for (const [text, result, expected] of cases) expect(evaluateCondition(parseCondition(text), result), text).toBe(expected);
  });

  it('rejects invalid conditions with what is wrong', () => {
    const cases: [string, RegExp][] = [
      ['', /non-empty/],
      ['result +', /unexpected "\+"/],
      ['result[0]', /not a true\/false test/],
      ['foo < 1', /unknown name "foo"/],
      ['result < 1 &&', /ends too early/],
      ['result[0.5] < 1', /whole number index/],
      ['(result < 1', /expected "\)"/],
      ['result < 1 < 2', /unexpected "<"/],
      ['result < 1 && 2', /&& needs a boolean/],
      ['process.exit(1)', /unexpected "\."/],
      ['constructor < 1', /unknown name "constructor"/],
    ];
    for (const [text, message] of cases) {
      expect(() => parseCondition(text), text).toThrow(AnalysisError);
      expect(() => parseCondition(text), text).toThrow(message);
    }
  });

  it('an index past the end of the result is an error, not a pass', () => {
    expect(() => evaluateCondition(parseCondition('result[1] < 1'), [0])).toThrow(/result\[1\] does not exist/);
  });
});

describe('templates', () => {
  it('fills {{args.NAME}} and {{interval}} in queries', () => {
    const prepared = prepareTemplate(
      template({ args: ['canary'], metrics: [{ name: 'm', query: 'x{release="{{args.canary}}"}[{{interval}}]', successCondition: 'result < 1' }] }),
      { canary: 'v3' },
    );
    expect(prepared.metrics[0].query).toBe('x{release="v3"}[10ms]');
    expect(prepared).toMatchObject({ intervalMs: 10, count: 3, failureLimit: 1, inconclusiveLimit: 0 });
  });

  it('reports every problem at once, before anything runs', () => {
    let error: Error | undefined;
    try {
      prepareTemplate(
        {
          interval: 'soon',
          count: 0,
          failureLimit: -1,
          colour: 'red',
          args: ['canary'],
          metrics: [
            { name: 'a', query: 'q{{args.nope}}', successCondition: 'result <' },
            { name: 'a', query: '', failureCondition: 'result[0] > 1' },
            { name: 'b', query: 'q' },
          ],
        },
        { stray: 'x' },
      );
    } catch (caught) {
      error = caught as Error;
    }
    expect(error).toBeInstanceOf(AnalysisError);
    for (const message of [
      /unknown field "colour"/,
      /interval: "soon" is not a duration/,
      /count must be a whole number ≥ 1/,
      /failureLimit must be/,
      /argument "canary" is required/,
      /unknown argument "stray"/,
      /unknown placeholder \{\{args.nope\}\}/,
      /successCondition: invalid condition "result <"/,
      /the name a is used twice/,
      /query must be a non-empty PromQL string/,
      /\(b\): needs a successCondition or a failureCondition/,
    ]) {
      expect(error!.message).toMatch(message);
    }
  });

  it('refuses an argument that could break out of a PromQL string', () => {
    const bad = template({ args: ['canary'], metrics: [{ name: 'm', query: 'x{r="{{args.canary}}"}', successCondition: 'result < 1' }] });
    expect(() => prepareTemplate(bad, { canary: 'v3"} or vector(1) or {x="' })).toThrow(/may hold letters, digits/);
  });

  it('the shipped canary template is valid and names the metrics the service exports', () => {
    const prepared = prepareTemplate(JSON.parse(readFileSync(TEMPLATE, 'utf8')), { canary: 'v3' });
    const names = new Set(prepared.metrics.flatMap((m: { query: string }) => metricNamesIn(m.query)));
    expect([...names].sort()).toEqual(['http_request_duration_seconds_bucket', 'http_requests_total']);
  });
});

describe('measurements and runs', () => {
  const metric = prepareTemplate(template()).metrics[0];

  it('judges a value: success, failure, and no data or NaN as inconclusive', () => {
    expect(judge(metric, [0.01]).phase).toBe('Successful');
    expect(judge(metric, [0.2]).phase).toBe('Failed');
    expect(judge(metric, []).phase).toBe('Inconclusive');
    expect(judge(metric, [Number.NaN]).phase).toBe('Inconclusive');
    const both = prepareTemplate(template({ metrics: [{ name: 'm', query: 'q', successCondition: 'result < 0.05', failureCondition: 'result > 0.5' }] })).metrics[0];
    expect(judge(both, [0.2]).phase).toBe('Inconclusive');
    expect(judge(both, [0.9]).phase).toBe('Failed');
  });

  it('Successful when every measurement is within its limits', async () => {
    const client = fakeClient({ errors: [[0], [0.01], [0.02]] });
    const result = await runAnalysis(prepareTemplate(template()), client, instant);
    expect(result.phase).toBe('Successful');
    expect(result.measurements).toHaveLength(3);
  });

  it('Failed as soon as failures pass failureLimit, without waiting for the rest', async () => {
    const client = fakeClient({ errors: [[0.2], [0.3], [0]] });
    const result = await runAnalysis(prepareTemplate(template({ failureLimit: 1 })), client, instant);
    expect(result.phase).toBe('Failed');
    expect(result.reason).toMatch(/2 failed measurements > failureLimit 1/);
    expect(result.measurements).toHaveLength(2);
  });

  it('one failure within failureLimit still passes', async () => {
    const client = fakeClient({ errors: [[0.2], [0.01], [0.01]] });
    expect((await runAnalysis(prepareTemplate(template({ failureLimit: 1 })), client, instant)).phase).toBe('Successful');
  });

  it('too few samples is inconclusive, not a pass', async () => {
    const prepared = prepareTemplate(template({ samples: { query: 'n', min: 20 } }));
    const client = fakeClient({ n: [[5]], errors: [[0]] });
    const result = await runAnalysis(prepared, client, instant);
    expect(result.phase).toBe('Inconclusive');
    expect(result.measurements[0].reason).toMatch(/too few samples: 5 < 20/);
  });

  it('no successful measurement at all is inconclusive even within inconclusiveLimit', async () => {
    const client = fakeClient({ errors: [[]] });
    const result = await runAnalysis(prepareTemplate(template({ inconclusiveLimit: 5 })), client, instant);
    expect(result.phase).toBe('Inconclusive');
    expect(result.reason).toMatch(/no successful measurement/);
  });

  it('waits one interval before each measurement', async () => {
    let clock = 1_000;
    const waits: number[] = [];
    const prepared = prepareTemplate(template({ interval: '3s', count: 2 }));
    await runAnalysis(prepared, fakeClient({ errors: [[0]] }), {
      now: () => clock,
      sleep: async (ms: number) => {
        waits.push(ms);
        clock += ms;
      },
    });
    expect(waits).toEqual([3_000, 3_000]);
  });
});

describe('Prometheus client and the analysis.mjs CLI', () => {
  let server: Server;
  let url: string;
  const dir = mkdtempSync(join(tmpdir(), 'readybook-analysis-'));
  beforeAll(async () => {
    // A stand-in for the Prometheus HTTP API's error answers (the real server is in lb-canary.test.ts).
    server = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.url!.startsWith('/api/v1/label/')) return res.end(JSON.stringify({ status: 'success', data: ['up'] }));
      res.statusCode = 400;
      res.end(JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'parse error: unclosed left parenthesis' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    closedPort = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
  });
  afterAll(() => {
    server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  // Asynchronous: the stand-in server above answers from this process.
  const cli = (...args: string[]) =>
    new Promise<{ status: number | null; stderr: string }>((resolve) => {
      execFile(process.execPath, [ANALYSIS, ...args], { env: { ...process.env, PROM_PORT: '' } }, (error, _stdout, stderr) =>
        resolve({ status: error ? (typeof error.code === 'number' ? error.code : null) : 0, stderr }),
      );
    });
  let closedPort = 0;
  const file = (name: string, value: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
    return path;
  };

  it('an unreachable Prometheus is a clear error (exit 4)', async () => {
    const closed = `http://127.0.0.1:${closedPort}`;
    await expect(prometheus(closed).query('up')).rejects.toThrow(`cannot reach Prometheus at ${closed} (ECONNREFUSED)`);
    const result = await cli('--template', file('ok.json', template()), '--prometheus', closed);
    expect(result.status).toBe(4);
    expect(result.stderr).toMatch(/cannot reach Prometheus/);
  });

  it('a query Prometheus refuses is a clear error (exit 4)', async () => {
    await expect(prometheus(url).query('sum(rate(x[1m]')).rejects.toThrow(/Prometheus refused the query sum\(rate\(x\[1m\]: bad_data: parse error/);
    const result = await cli('--template', file('ok.json', template({ metrics: [{ name: 'm', query: 'up', successCondition: 'result < 1' }] })), '--prometheus', url);
    expect(result.status).toBe(4);
    expect(result.stderr).toMatch(/Prometheus refused the query up: bad_data/);
  });

  it('a query naming a metric Prometheus never scraped is refused before anything runs (exit 2)', async () => {
    const result = await cli('--template', file('typo.json', template({ metrics: [{ name: 'm', query: 'sum(http_request_totl{a="b"})', successCondition: 'result < 1' }] })), '--prometheus', url);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/unknown metric in a query .*\(m: http_request_totl\)/);
  });

  it('invalid templates, conditions and arguments exit 2 with the reason', async () => {
    const cases: [string[], RegExp][] = [
      [['--template', file('bad-condition.json', template({ metrics: [{ name: 'm', query: 'q', successCondition: 'result =< 1' }] }))], /invalid condition "result =< 1"/],
      [['--template', file('not-json.json', '{ interval: 3s')], /is not valid JSON/],
      [['--template', join(dir, 'missing.json')], /cannot read the analysis template .*ENOENT/],
      [['--template', TEMPLATE, '--prometheus', url], /argument "canary" is required/],
      [['--template', TEMPLATE], /argument "canary" is required/],
      [['--template'], /unknown or incomplete option "--template"/],
      [['--check'], /--template FILE is required/],
    ];
    for (const [args, message] of cases) {
      const result = await cli(...args);
      expect(result.status, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(message);
    }
  });
});

describe('nearest-rank percentiles', () => {
  it('takes the value at rank ceil(p/100 × N)', () => {
    const values = Float64Array.from({ length: 100 }, (_, i) => i + 1);
    expect(nearestRank(values, 50)).toBe(50);
    expect(nearestRank(values, 95)).toBe(95);
    expect(nearestRank(values, 99)).toBe(99);
    expect(nearestRank(values, 100)).toBe(100);
    expect(nearestRank(Float64Array.from([7]), 95)).toBe(7);
    expect(nearestRank(Float64Array.from([1, 2, 3, 4]), 50)).toBe(2);
    expect(Number.isNaN(nearestRank(new Float64Array(0), 95))).toBe(true);
    expect(() => nearestRank(values, 0)).toThrow(RangeError);
  });

  it('sorts numerically, not as text', () => {
    expect(summarize([100, 9, 20, 3])).toMatchObject({ count: 4, p50: 9, max: 100 });
  });
});
