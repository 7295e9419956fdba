import { ERRORS } from '../errors.js';
/**
 * Publishes a finished run's metrics (exposition.ts): to a Prometheus Pushgateway when READYBOOK_PUSHGATEWAY is
 * set (its base URL), and/or to a file for node_exporter's textfile collector when READYBOOK_METRICS_TEXTFILE is
 * set (a path ending in .prom). A passing run replaces everything of its runbook (Pushgateway PUT of the group
 * job="readybook",runbook=<id>); any other run only replaces status, duration and last-run time (POST), so the
 * last success time and the outputs of the last passing run stay. Publishing never changes a run's outcome: a
 * failure is a warning. See decisions/0021.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Report } from '../record/report.js';
import { escapeLabel, runMetrics } from './exposition.js';

export const METRICS_ERRORS = { RB069: ERRORS.RB069 } as const;

export interface PublishResult {
  /** Where the metrics went (a URL without credentials, or a path). */
  published: string[];
  /** One sentence per target that failed, and per `metrics:` output that was not published. */
  warnings: string[];
}

/** A URL with its user:password part removed, for messages. */
function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return '(an invalid URL)';
  }
}

/** The Pushgateway URL of a runbook's group: <base>/metrics/job/readybook/runbook/<id>. */
export function pushgatewayGroupUrl(base: string, runbook: string): string {
  return `${base.replace(/\/+$/, '')}/metrics/job/readybook/runbook/${encodeURIComponent(runbook)}`;
}

async function pushToGateway(base: string, report: Report, text: string, timeoutMs: number): Promise<void> {
  const url = pushgatewayGroupUrl(base, report.runbook.id);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`READYBOOK_PUSHGATEWAY=${JSON.stringify(base)} is not a URL`);
  }
  const headers: Record<string, string> = { 'content-type': 'text/plain; version=0.0.4' };
  if (parsed.username) headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`).toString('base64')}`;
  parsed.username = '';
  parsed.password = '';
  let res: Response;
  try {
    res = await fetch(parsed, { method: report.status === 'passed' ? 'PUT' : 'POST', headers, body: text, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
    throw new Error(`the Pushgateway at ${safeUrl(base)} did not answer (${cause === 'TimeoutError' ? `no answer in ${timeoutMs / 1000} s` : cause})`);
  }
  if (!res.ok) throw new Error(`the Pushgateway at ${safeUrl(base)} answered HTTP ${res.status}: ${(await res.text()).trim().slice(0, 200)}`);
}

interface Family {
  help?: string;
  type?: string;
  samples: string[];
}

/** The metric families of an exposition, in order (comments other than HELP and TYPE are dropped). */
export function parseFamilies(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const family = (name: string) => {
    const found = families.get(name);
    if (found) return found;
    const f: Family = { samples: [] };
    families.set(name, f);
    return f;
  };
  for (const line of text.split('\n')) {
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) ?(.*)$/.exec(line);
    if (meta) {
      const f = family(meta[2] as string);
      if (meta[1] === 'HELP') f.help = meta[3];
      else f.type = meta[3];
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/.exec(line);
    if (sample) family(sample[1] as string).samples.push(line);
  }
  return families;
}

const runbookLabel = /[{,]runbook="((?:[^"\\]|\\.)*)"/;

/** Merges a run's metrics into a textfile's: the same replace rules as the Pushgateway (PUT when passed, else POST). */
export function mergeTextfile(existing: string, report: Report, text: string): string {
  const own = `${escapeLabel(report.runbook.id)}`;
  const isOwn = (sample: string) => runbookLabel.exec(sample)?.[1] === own;
  const merged = parseFamilies(existing);
  const incoming = parseFamilies(text);
  for (const [name, family] of merged) {
    if (report.status === 'passed' || incoming.has(name)) family.samples = family.samples.filter((s) => !isOwn(s));
  }
  for (const [name, family] of incoming) {
    const into = merged.get(name);
    if (into) {
      into.help ??= family.help;
      into.type ??= family.type;
      into.samples.push(...family.samples);
    } else merged.set(name, family);
  }
  const lines: string[] = [];
  for (const [name, family] of merged) {
    if (family.samples.length === 0) continue;
    if (family.help !== undefined) lines.push(`# HELP ${name} ${family.help}`);
    if (family.type !== undefined) lines.push(`# TYPE ${name} ${family.type}`);
    lines.push(...family.samples);
  }
  return `${lines.join('\n')}\n`;
}

function writeTextfile(path: string, report: Report, text: string): void {
  const existing = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const tmp = `${path}.${process.pid}.tmp`;
  // node_exporter reads *.prom files only: the temporary name keeps it from reading a half-written file.
  writeFileSync(tmp, mergeTextfile(existing, report, text), { mode: 0o644 });
  renameSync(tmp, path);
}

/** Publishes a run's metrics where the environment says; returns what it did, never throws. */
export async function publishRunMetrics(
  report: Report,
  metricOutputs: readonly string[],
  env: Record<string, string | undefined>,
  options: { timeoutMs?: number } = {},
): Promise<PublishResult> {
  const result: PublishResult = { published: [], warnings: [] };
  const gateway = env.READYBOOK_PUSHGATEWAY?.trim();
  const textfile = env.READYBOOK_METRICS_TEXTFILE?.trim();
  if (!gateway && !textfile) return result;
  const { text, skipped } = runMetrics(report, metricOutputs);
  for (const s of skipped) result.warnings.push(`the output ${s.output} (listed in metrics:) was not published: ${s.reason}`);
  if (gateway) {
    try {
      await pushToGateway(gateway, report, text, options.timeoutMs ?? 5_000);
      result.published.push(pushgatewayGroupUrl(safeUrl(gateway), report.runbook.id));
    } catch (error) {
      result.warnings.push(`run metrics were not pushed: ${(error as Error).message}`);
    }
  }
  if (textfile) {
    try {
      writeTextfile(textfile, report, text);
      result.published.push(textfile);
    } catch (error) {
      result.warnings.push(`run metrics were not written to ${textfile}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  }
  return result;
}

/**
 * The call at the end of a run (commands/shared.ts): reads the run's report.json and publishes it, printing one
 * warning line per problem on stderr. Does nothing unless READYBOOK_PUSHGATEWAY or READYBOOK_METRICS_TEXTFILE is set.
 */
export async function publishRunDir(dir: string, metricOutputs: readonly string[] | undefined, env: Record<string, string | undefined>): Promise<void> {
  if (!env.READYBOOK_PUSHGATEWAY?.trim() && !env.READYBOOK_METRICS_TEXTFILE?.trim()) return;
  let report: Report;
  try {
    report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as Report;
  } catch {
    return; // no report: the run never started (nothing to publish)
  }
  const { warnings } = await publishRunMetrics(report, metricOutputs ?? [], env);
  for (const warning of warnings) process.stderr.write(`warning RB069: ${warning}\n  hint: ${METRICS_ERRORS.RB069.hint}\n`);
}
