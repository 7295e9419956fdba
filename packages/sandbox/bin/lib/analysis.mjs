// Canary analysis in the shape of an Argo Rollouts AnalysisTemplate (and Flagger's thresholds), against the
// Prometheus HTTP API. Node 20 compatible, no dependencies.
//
// A template (JSON):
//   {
//     "interval": "3s",              time between measurements; the first is taken one interval in
//     "count": 2,                    measurements per run
//     "failureLimit": 1,             failed measurements a metric may have; one more and the run is Failed
//     "inconclusiveLimit": 0,        inconclusive measurements a metric may have; one more: Inconclusive
//     "args": ["canary"],            what {{args.NAME}} in a query needs (given with --arg NAME=VALUE)
//     "samples": { "query": "…", "min": 20 },   optional: fewer requests than min in a window makes
//                                    every metric of that measurement inconclusive (not a pass)
//     "metrics": [
//       { "name": "error-rate", "query": "…", "successCondition": "result[0] < 0.05" },
//       { "name": "p95-latency", "query": "…", "failureCondition": "result[0] >= 0.5", "failureLimit": 0 }
//     ]
//   }
// Queries may use {{args.NAME}} and {{interval}} (the interval as a PromQL duration, e.g. 3s).
//
// A measurement evaluates the query at that instant. `result` is its values (an instant vector's samples or
// a scalar), `result[i]` one of them, `result` alone the first, `len(result)` how many. No value, or NaN (a
// rate of nothing), is inconclusive. failureCondition true → failed; else successCondition true →
// successful; successCondition false → failed when there is no failureCondition, inconclusive when there is.
// Conditions: numbers, result, result[N], len(result), < <= > >= == !=, && || !, parentheses.
// A run ends Failed as soon as a metric has more failed measurements than its failureLimit, Inconclusive as
// soon as one has more inconclusive ones than inconclusiveLimit or, after `count`, has no successful one;
// else Successful.

import { readFileSync } from 'node:fs';

/** Exit codes of analysis.mjs (and the phase a canary stage ends in). */
export const EXIT = { Successful: 0, Failed: 1, Inconclusive: 3, invalid: 2, prometheus: 4 };

export class AnalysisError extends Error {
  constructor(message, code) {
    super(message);
    this.code = code; // 'invalid' (bad template, condition or argument) or 'prometheus' (unreachable or refused)
  }
}
const invalid = (message) => new AnalysisError(message, 'invalid');

// ---------------------------------------------------------------------------------------------------------
// Conditions

const TOKEN = /\s*(?:(\d+(?:\.\d+)?(?:e[+-]?\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|(<=|>=|==|!=|&&|\|\||[<>![\]()]))/y;

function tokenize(text) {
  const tokens = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    const at = TOKEN.lastIndex;
    if (/^\s*$/.test(text.slice(at))) break;
    const match = TOKEN.exec(text);
    if (!match) throw invalid(`unexpected "${text.slice(at).trim()[0]}" at column ${at + 1 + (text.slice(at).length - text.slice(at).trimStart().length)}`);
    if (match[1] !== undefined) tokens.push({ kind: 'number', value: Number(match[1]) });
    else if (match[2] !== undefined) tokens.push({ kind: 'name', value: match[2] });
    else tokens.push({ kind: 'op', value: match[3] });
  }
  return tokens;
}

/** Parses a condition into a checked tree; throws AnalysisError('invalid') with what is wrong. */
export function parseCondition(text) {
  if (typeof text !== 'string' || text.trim() === '') throw invalid('a condition must be a non-empty string');
  let tokens;
  try {
    tokens = tokenize(text);
  } catch (error) {
    throw invalid(`invalid condition "${text}": ${error.message}`);
  }
  let i = 0;
  const peek = () => tokens[i];
  const isOp = (value) => peek()?.kind === 'op' && peek().value === value;
  const expect = (value) => {
    if (!isOp(value)) throw invalid(`invalid condition "${text}": expected "${value}"${peek() ? ` before "${peek().value}"` : ' at the end'}`);
    i++;
  };
  const typed = (node, type) => ({ ...node, type });
  const need = (node, type, what) => {
    if (node.type !== type) throw invalid(`invalid condition "${text}": ${what} needs a ${type}, got a ${node.type}`);
    return node;
  };

  function primary() {
    const token = peek();
    if (!token) throw invalid(`invalid condition "${text}": it ends too early`);
    if (token.kind === 'number') {
      i++;
      return typed({ op: 'number', value: token.value }, 'number');
    }
    if (token.kind === 'name' && token.value === 'result') {
      i++;
      if (isOp('[')) {
        i++;
        const index = peek();
        if (index?.kind !== 'number' || !Number.isInteger(index.value)) throw invalid(`invalid condition "${text}": result[…] needs a whole number index`);
        i++;
        expect(']');
        return typed({ op: 'result', index: index.value }, 'number');
      }
      return typed({ op: 'result', index: 0 }, 'number');
    }
    if (token.kind === 'name' && token.value === 'len') {
      i++;
      expect('(');
      if (peek()?.value !== 'result') throw invalid(`invalid condition "${text}": len() takes result`);
      i++;
      expect(')');
      return typed({ op: 'len' }, 'number');
    }
    if (token.kind === 'name') throw invalid(`invalid condition "${text}": unknown name "${token.value}" (a condition can use result, result[N] and len(result))`);
    if (isOp('(')) {
      i++;
      const inner = or();
      expect(')');
      return inner;
    }
    if (isOp('!')) {
      i++;
      return typed({ op: '!', operand: need(primary(), 'boolean', '!') }, 'boolean');
    }
    throw invalid(`invalid condition "${text}": unexpected "${token.value}"`);
  }
  function comparison() {
    const left = primary();
    const token = peek();
    if (token?.kind === 'op' && ['<', '<=', '>', '>=', '==', '!='].includes(token.value)) {
      i++;
      const right = primary();
      need(left, 'number', token.value);
      need(right, 'number', token.value);
      return typed({ op: token.value, left, right }, 'boolean');
    }
    return left;
  }
  /** One level of && or ||: operands from `next`, left to right. */
  const logical = (op, next) => () => {
    let left = next();
    while (isOp(op)) {
      i++;
      left = typed({ op, left: need(left, 'boolean', op), right: need(next(), 'boolean', op) }, 'boolean');
    }
    return left;
  };
  const and = logical('&&', comparison);
  const or = logical('||', and);
  const tree = or();
  if (i < tokens.length) throw invalid(`invalid condition "${text}": unexpected "${tokens[i].value}"`);
  if (tree.type !== 'boolean') throw invalid(`invalid condition "${text}": it is a number, not a true/false test (compare it, e.g. result[0] < 0.05)`);
  return tree;
}

/** Evaluates a parsed condition against `result` (an array of numbers); throws when an index is missing. */
export function evaluateCondition(tree, result) {
  switch (tree.op) {
    case 'number':
      return tree.value;
    case 'len':
      return result.length;
    case 'result':
      if (tree.index >= result.length) throw new RangeError(`result[${tree.index}] does not exist (the query returned ${result.length} value${result.length === 1 ? '' : 's'})`);
      return result[tree.index];
    case '!':
      return !evaluateCondition(tree.operand, result);
    case '&&':
      return evaluateCondition(tree.left, result) && evaluateCondition(tree.right, result);
    case '||':
      return evaluateCondition(tree.left, result) || evaluateCondition(tree.right, result);
    default: {
      const left = evaluateCondition(tree.left, result);
      const right = evaluateCondition(tree.right, result);
      switch (tree.op) {
        case '<': return left < right;
        case '<=': return left <= right;
        case '>': return left > right;
        case '>=': return left >= right;
        case '==': return left === right;
        default: return left !== right;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Templates

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m)$/;
export function durationMs(text) {
  const match = DURATION.exec(String(text));
  if (!match) throw invalid(`"${text}" is not a duration (like 500ms, 3s or 1m)`);
  return Number(match[1]) * { ms: 1, s: 1_000, m: 60_000 }[match[2]];
}

const isCount = (value, min) => Number.isInteger(value) && value >= min;

/**
 * Checks a template and fills in its arguments. Every problem is reported at once, before anything runs.
 * Returns { intervalMs, count, failureLimit, inconclusiveLimit, samples, metrics: [{ name, query, success, failure, … }] }.
 */
export function prepareTemplate(template, args = {}) {
  const problems = [];
  if (typeof template !== 'object' || template === null || Array.isArray(template)) throw invalid('an analysis template is a JSON object');
  const known = new Set(['interval', 'count', 'failureLimit', 'inconclusiveLimit', 'args', 'samples', 'metrics', 'description']);
  for (const key of Object.keys(template)) if (!known.has(key)) problems.push(`unknown field "${key}" (known: ${[...known].join(', ')})`);
  let intervalMs = 0;
  try {
    intervalMs = durationMs(template.interval);
  } catch (error) {
    problems.push(`interval: ${error.message}`);
  }
  const count = template.count ?? 1;
  if (!isCount(count, 1)) problems.push(`count must be a whole number ≥ 1, got ${JSON.stringify(template.count)}`);
  const failureLimit = template.failureLimit ?? 0;
  if (!isCount(failureLimit, 0)) problems.push(`failureLimit must be a whole number ≥ 0, got ${JSON.stringify(template.failureLimit)}`);
  const inconclusiveLimit = template.inconclusiveLimit ?? 0;
  if (!isCount(inconclusiveLimit, 0)) problems.push(`inconclusiveLimit must be a whole number ≥ 0, got ${JSON.stringify(template.inconclusiveLimit)}`);

  const declared = template.args ?? [];
  if (!Array.isArray(declared) || !declared.every((name) => typeof name === 'string')) problems.push('args must be a list of names');
  for (const name of Array.isArray(declared) ? declared : []) if (args[name] === undefined || args[name] === '') problems.push(`argument "${name}" is required (--arg ${name}=VALUE)`);
  for (const name of Object.keys(args)) if (Array.isArray(declared) && !declared.includes(name)) problems.push(`unknown argument "${name}" (the template declares: ${declared.join(', ') || 'none'})`);
  const fill = (query, where) => {
    if (typeof query !== 'string' || query.trim() === '') {
      problems.push(`${where}: query must be a non-empty PromQL string`);
      return '';
    }
    return query.replace(/\{\{\s*([^}]*?)\s*\}\}/g, (whole, name) => {
      if (name === 'interval') return String(template.interval);
      const arg = /^args\.(.+)$/.exec(name)?.[1];
      if (arg !== undefined && Array.isArray(declared) && declared.includes(arg)) {
        if (!/^[A-Za-z0-9_.:-]*$/.test(args[arg] ?? '')) problems.push(`argument "${arg}" may hold letters, digits and _ . : - only, got ${JSON.stringify(args[arg])}`);
        return args[arg] ?? '';
      }
      problems.push(`${where}: unknown placeholder ${whole} (use {{interval}} or {{args.NAME}} with NAME in args)`);
      return whole;
    });
  };

  let samples = null;
  if (template.samples !== undefined) {
    const min = template.samples?.min;
    if (!isCount(min, 1)) problems.push(`samples.min must be a whole number ≥ 1, got ${JSON.stringify(min)}`);
    samples = { query: fill(template.samples?.query, 'samples'), min };
  }

  const metrics = [];
  if (!Array.isArray(template.metrics) || template.metrics.length === 0) problems.push('metrics must be a non-empty list');
  const names = new Set();
  for (const [index, metric] of (Array.isArray(template.metrics) ? template.metrics : []).entries()) {
    const where = `metrics[${index}]${typeof metric?.name === 'string' ? ` (${metric.name})` : ''}`;
    if (typeof metric !== 'object' || metric === null) {
      problems.push(`${where}: a metric is an object`);
      continue;
    }
    if (typeof metric.name !== 'string' || !/^[a-z][a-z0-9-]*$/.test(metric.name)) problems.push(`${where}: name must be lowercase letters, digits and -`);
    else if (names.has(metric.name)) problems.push(`${where}: the name ${metric.name} is used twice`);
    names.add(metric.name);
    const conditions = {};
    for (const key of ['successCondition', 'failureCondition']) {
      if (metric[key] === undefined) continue;
      try {
        conditions[key] = parseCondition(metric[key]);
      } catch (error) {
        problems.push(`${where}: ${key}: ${error.message}`);
      }
    }
    if (metric.successCondition === undefined && metric.failureCondition === undefined) problems.push(`${where}: needs a successCondition or a failureCondition`);
    for (const key of ['failureLimit', 'inconclusiveLimit']) {
      if (metric[key] !== undefined && !isCount(metric[key], 0)) problems.push(`${where}: ${key} must be a whole number ≥ 0`);
    }
    metrics.push({
      name: metric.name,
      query: fill(metric.query, where),
      successCondition: metric.successCondition,
      failureCondition: metric.failureCondition,
      success: conditions.successCondition,
      failure: conditions.failureCondition,
      failureLimit: metric.failureLimit ?? failureLimit,
      inconclusiveLimit: metric.inconclusiveLimit ?? inconclusiveLimit,
    });
  }
  if (problems.length > 0) throw invalid(`invalid analysis template:\n  - ${problems.join('\n  - ')}`);
  return { intervalMs, interval: template.interval, count, failureLimit, inconclusiveLimit, samples, metrics };
}

/** Metric names a query selects: an identifier written right before { or [ (best effort, documented). */
export function metricNamesIn(query) {
  return [...new Set([...query.matchAll(/([A-Za-z_:][A-Za-z0-9_:]*)\s*[{[]/g)].map((match) => match[1]))];
}

// ---------------------------------------------------------------------------------------------------------
// Prometheus

/** A small client of the Prometheus HTTP API (instant queries, metric names). */
export function prometheus(baseUrl, { timeoutMs = 5_000 } = {}) {
  const base = String(baseUrl).replace(/\/$/, '');
  async function get(path, params) {
    const url = `${base}${path}?${new URLSearchParams(params)}`;
    let res;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      throw new AnalysisError(`cannot reach Prometheus at ${base} (${error.cause?.code ?? error.cause?.message ?? error.message}); is the sandbox up? (packages/sandbox/bin/sandbox.sh up)`, 'prometheus');
    }
    let body;
    try {
      body = await res.json();
    } catch {
      throw new AnalysisError(`Prometheus at ${base} answered ${path} with HTTP ${res.status} and no JSON; is that a Prometheus server?`, 'prometheus');
    }
    if (body.status !== 'success') throw new AnalysisError(`Prometheus refused ${params.query ? `the query ${params.query}` : path}: ${body.errorType}: ${body.error}`, 'prometheus');
    return body.data;
  }
  return {
    /** The values of an instant query at `time` (seconds): an array of numbers. */
    async query(query, time) {
      const data = await get('/api/v1/query', { query, ...(time === undefined ? {} : { time: String(time) }) });
      if (data.resultType === 'scalar') return [Number(data.result[1])];
      if (data.resultType === 'vector') return data.result.map((sample) => Number(sample.value[1]));
      throw new AnalysisError(`the query ${query} gives a ${data.resultType}; an analysis query must give an instant vector or a scalar`, 'invalid');
    },
    async metricNames() {
      return new Set(await get('/api/v1/label/__name__/values', {}));
    },
  };
}

/** Fails with 'invalid' when a query selects a metric Prometheus has never scraped (a typo, most likely). */
export async function checkMetricsKnown(prepared, client) {
  const known = await client.metricNames();
  const queries = [...prepared.metrics.map((m) => [m.name, m.query]), ...(prepared.samples ? [['samples', prepared.samples.query]] : [])];
  const unknown = [];
  for (const [name, query] of queries) for (const metric of metricNamesIn(query)) if (!known.has(metric)) unknown.push(`${name}: ${metric}`);
  if (unknown.length > 0) throw invalid(`unknown metric in a query — Prometheus has never scraped it (${unknown.join('; ')})`);
}

// ---------------------------------------------------------------------------------------------------------
// Runs

/** The phase of one measurement of `metric` given the query's values. */
export function judge(metric, values) {
  if (values.length === 0) return { phase: 'Inconclusive', reason: 'no value (the query selected nothing)' };
  if (values.some((value) => Number.isNaN(value))) return { phase: 'Inconclusive', reason: 'NaN (nothing to compute it from)' };
  try {
    if (metric.failure && evaluateCondition(metric.failure, values)) return { phase: 'Failed', reason: `failureCondition ${metric.failureCondition} is true` };
    if (metric.success) {
      if (evaluateCondition(metric.success, values)) return { phase: 'Successful', reason: `successCondition ${metric.successCondition} is true` };
      return metric.failure
        ? { phase: 'Inconclusive', reason: `neither ${metric.successCondition} nor ${metric.failureCondition}` }
        : { phase: 'Failed', reason: `successCondition ${metric.successCondition} is false` };
    }
    return { phase: 'Successful', reason: `failureCondition ${metric.failureCondition} is false` };
  } catch (error) {
    return { phase: 'Inconclusive', reason: error.message };
  }
}

const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs a prepared analysis: `count` measurements, `interval` apart (the first one interval after the start).
 * Resolves to { phase, reason, measurements: [{ round, at, metric, values, phase, reason }], startedAt, decidedAt }.
 * Throws AnalysisError('prometheus') when Prometheus cannot be reached or refuses a query.
 */
export async function runAnalysis(prepared, client, { sleep = wait, now = Date.now, onMeasurement = () => {} } = {}) {
  const startedAt = now();
  const measurements = [];
  const tally = Object.fromEntries(prepared.metrics.map((m) => [m.name, { Successful: 0, Failed: 0, Inconclusive: 0 }]));
  const done = (phase, reason) => ({ phase, reason, measurements, startedAt, decidedAt: now() });
  for (let round = 1; round <= prepared.count; round++) {
    await sleep(Math.max(0, startedAt + round * prepared.intervalMs - now()));
    const at = now();
    const time = at / 1_000;
    let tooFew = null;
    if (prepared.samples) {
      const values = await client.query(prepared.samples.query, time);
      const n = values.length === 0 || Number.isNaN(values[0]) ? 0 : values[0];
      if (n < prepared.samples.min) tooFew = `too few samples: ${Math.round(n * 100) / 100} < ${prepared.samples.min}`;
    }
    for (const metric of prepared.metrics) {
      const values = await client.query(metric.query, time);
      const verdict = tooFew ? { phase: 'Inconclusive', reason: tooFew } : judge(metric, values);
      const measurement = { round, at, metric: metric.name, values, ...verdict };
      measurements.push(measurement);
      onMeasurement(measurement);
      tally[metric.name][verdict.phase]++;
    }
    for (const metric of prepared.metrics) {
      const counts = tally[metric.name];
      if (counts.Failed > metric.failureLimit) return done('Failed', `${metric.name}: ${counts.Failed} failed measurement${counts.Failed === 1 ? '' : 's'} > failureLimit ${metric.failureLimit}`);
    }
    for (const metric of prepared.metrics) {
      const counts = tally[metric.name];
      if (counts.Inconclusive > metric.inconclusiveLimit) return done('Inconclusive', `${metric.name}: ${counts.Inconclusive} inconclusive measurement${counts.Inconclusive === 1 ? '' : 's'} > inconclusiveLimit ${metric.inconclusiveLimit}`);
    }
  }
  for (const metric of prepared.metrics) {
    if (tally[metric.name].Successful === 0) return done('Inconclusive', `${metric.name}: no successful measurement in ${prepared.count}`);
  }
  return done('Successful', `${prepared.count} measurement${prepared.count === 1 ? '' : 's'} of ${prepared.metrics.map((m) => m.name).join(', ')} within their limits`);
}

// ---------------------------------------------------------------------------------------------------------
// Shared by analysis.mjs and canary.mjs

export function loadTemplate(file) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw invalid(`cannot read the analysis template ${file}: ${error.code ?? error.message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw invalid(`the analysis template ${file} is not valid JSON: ${error.message}`);
  }
}

/** --prometheus URL, else the sandbox's (PROM_PORT). */
export function prometheusUrl(explicit, env = process.env) {
  if (explicit) return explicit;
  if (!env.PROM_PORT) throw invalid('no --prometheus URL and no PROM_PORT (source the sandbox env: . .sandbox/env)');
  return `http://127.0.0.1:${env.PROM_PORT}`;
}

/** One line for a measurement. */
export const describe = (m) =>
  `#${m.round} ${m.metric} = ${m.values.length ? m.values.map((v) => Math.round(v * 10_000) / 10_000).join(',') : '(none)'} → ${m.phase} (${m.reason})`;
