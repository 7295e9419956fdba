import { ERRORS } from '../errors.js';
/**
 * Prometheus alert rule files, read with their line numbers, and the cross-check between alerts and runbooks:
 * every alert has a severity and a `runbook_url` that names a runbook of this repository's site, and every
 * alert a runbook says it answers (`alerts:` in its frontmatter) exists. See decisions/0021.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode, type YAMLMap } from 'yaml';

/** The error codes of this module (the one catalog, errors.ts). */
export const ALERT_ERRORS = { RB062: ERRORS.RB062, RB063: ERRORS.RB063, RB064: ERRORS.RB064, RB065: ERRORS.RB065, RB066: ERRORS.RB066, RB067: ERRORS.RB067, RB068: ERRORS.RB068 } as const;
export type AlertErrorCode = keyof typeof ALERT_ERRORS;

export interface AlertDiagnostic {
  code: AlertErrorCode;
  message: string;
  hint: string;
  /** Repository-relative path of the file. */
  file: string;
  line: number;
  severity: 'error' | 'warning';
}

export interface AlertRule {
  name: string;
  group: string;
  /** Repository-relative path of the rule file, and the line of `- alert:`. */
  file: string;
  line: number;
  expr: string;
  for?: string;
  severity?: string;
  runbookUrl?: string;
  /** The runbook id `runbookUrl` resolves to, when it does. */
  runbook?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export const SEVERITIES = ['critical', 'warning', 'info'] as const;

function diag(code: AlertErrorCode, message: string, file: string, line: number, severity: AlertDiagnostic['severity'] = 'error'): AlertDiagnostic {
  return { code, message, hint: ALERT_ERRORS[code].hint, file, line, severity };
}

/** The rule files of a folder (`*.yml`, `*.yaml`), sorted; none when it does not exist. */
export function listRuleFiles(rulesDir: string): string[] {
  if (!existsSync(rulesDir) || !statSync(rulesDir).isDirectory()) return [];
  return readdirSync(rulesDir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => join(rulesDir, f));
}

const str = (node: unknown): string | undefined => (isScalar(node) && node.value !== null && node.value !== undefined ? String(node.value) : undefined);

function stringMap(node: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isMap(node)) return out;
  for (const pair of node.items) {
    const key = str(pair.key);
    const value = str(pair.value);
    if (key !== undefined && value !== undefined) out[key] = value;
  }
  return out;
}

/** Reads one Prometheus rule file; problems come back as RB062 diagnostics, never as exceptions. */
export function readRuleFile(path: string, display: string): { rules: AlertRule[]; diagnostics: AlertDiagnostic[] } {
  const rules: AlertRule[] = [];
  const diagnostics: AlertDiagnostic[] = [];
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return { rules, diagnostics: [diag('RB062', `cannot read the rule file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, display, 1)] };
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const lineOf = (node: YamlNode | null | undefined | unknown): number => {
    const range = (node as YamlNode | undefined)?.range;
    return range ? lineCounter.linePos(range[0]).line : 1;
  };
  if (doc.errors.length > 0) {
    for (const error of doc.errors.slice(0, 5)) {
      const line = error.linePos?.[0]?.line ?? lineCounter.linePos(error.pos[0]).line;
      diagnostics.push(diag('RB062', `not valid YAML: ${error.message.split('\n')[0]}`, display, line));
    }
    return { rules, diagnostics };
  }
  const root = doc.contents;
  const groups = isMap(root) ? root.get('groups', true) : undefined;
  if (!isMap(root) || !isSeq(groups)) {
    diagnostics.push(diag('RB062', 'a rule file has a top-level `groups:` list', display, lineOf(root)));
    return { rules, diagnostics };
  }
  for (const group of groups.items) {
    if (!isMap(group)) {
      diagnostics.push(diag('RB062', 'each entry of `groups:` is a map with `name:` and `rules:`', display, lineOf(group)));
      continue;
    }
    const groupName = str(group.get('name', true));
    if (!groupName) diagnostics.push(diag('RB062', 'a rule group has no `name:`', display, lineOf(group)));
    const list = group.get('rules', true);
    if (!isSeq(list)) {
      diagnostics.push(diag('RB062', `rule group ${groupName ?? '(unnamed)'} has no \`rules:\` list`, display, lineOf(group)));
      continue;
    }
    for (const rule of list.items) {
      if (!isMap(rule)) {
        diagnostics.push(diag('RB062', 'each rule is a map with `alert:` (or `record:`) and `expr:`', display, lineOf(rule)));
        continue;
      }
      const map = rule as YAMLMap;
      const alert = str(map.get('alert', true));
      const record = str(map.get('record', true));
      const expr = str(map.get('expr', true));
      const line = lineOf(map.items[0]?.key ?? map);
      if (!alert && !record) {
        diagnostics.push(diag('RB062', 'a rule has neither `alert:` nor `record:`', display, line));
        continue;
      }
      if (!expr) {
        diagnostics.push(diag('RB062', `rule ${alert ?? record} has no \`expr:\``, display, line));
        continue;
      }
      if (!alert) continue; // a recording rule: nothing to page about
      const labels = stringMap(map.get('labels', true));
      const annotations = stringMap(map.get('annotations', true));
      const forValue = str(map.get('for', true));
      rules.push({
        name: alert,
        group: groupName ?? '',
        file: display,
        line,
        expr: expr.trim(),
        ...(forValue ? { for: forValue } : {}),
        ...(labels.severity ? { severity: labels.severity } : {}),
        ...(annotations.runbook_url ? { runbookUrl: annotations.runbook_url } : {}),
        labels,
        annotations,
      });
    }
  }
  return { rules, diagnostics };
}

/** Every alert rule of a folder, with the problems of the files that do not parse. */
export function readRules(rulesDir: string, repoRoot: string): { rules: AlertRule[]; files: string[]; diagnostics: AlertDiagnostic[] } {
  const files = listRuleFiles(rulesDir);
  const rules: AlertRule[] = [];
  const diagnostics: AlertDiagnostic[] = [];
  for (const path of files) {
    const result = readRuleFile(path, relative(repoRoot, path));
    rules.push(...result.rules);
    diagnostics.push(...result.diagnostics);
  }
  return { rules, files: files.map((f) => relative(repoRoot, f)), diagnostics };
}

/**
 * The site's URL prefix for pages: `site` + `base` as the docs site builds them (apps/docs/astro.config.ts reads
 * SITE_URL and BASE_PATH, with defaults in the file). Always ends with `/`.
 */
export function siteBaseOf(repoRoot: string, env: Record<string, string | undefined> = process.env): string {
  let site = env.SITE_URL;
  let base = env.BASE_PATH;
  const config = join(repoRoot, 'apps/docs/astro.config.ts');
  if ((!site || !base) && existsSync(config)) {
    const text = readFileSync(config, 'utf8');
    site ??= /SITE_URL\s*\?\?\s*['"]([^'"]+)['"]/.exec(text)?.[1];
    base ??= /BASE_PATH\s*\?\?\s*['"]([^'"]+)['"]/.exec(text)?.[1];
  }
  const origin = (site ?? 'https://readybook.dev').replace(/\/+$/, '');
  const path = `/${(base ?? '/').replace(/^\/+|\/+$/g, '')}/`.replace(/\/+/g, '/');
  return `${origin}${path}`;
}

/** The runbook id a runbook_url names (`<siteBase>runbooks/<id>/`, optional trailing slash and #fragment), if any. */
export function runbookIdOfUrl(url: string, siteBase: string): string | undefined {
  if (!url.startsWith(siteBase)) return undefined;
  const match = /^runbooks\/([a-z0-9][a-z0-9._-]*)\/?(?:#[^/]*)?$/.exec(url.slice(siteBase.length));
  return match?.[1];
}

/** A runbook as the cross-check sees it. */
export interface AlertRunbook {
  id: string;
  /** Repository-relative path, for diagnostics. */
  file: string;
  /** The alerts its frontmatter names. */
  alerts?: readonly string[];
}

export interface CheckAlertsOptions {
  repoRoot: string;
  runbooks: readonly AlertRunbook[];
  /** The folder of rule files (default `<repoRoot>/monitoring/rules`). */
  rulesDir?: string;
  /** The site URL prefix the runbook_url of every alert starts with (default: siteBaseOf(repoRoot)). */
  siteBase?: string;
}

/** The line of `name` inside the frontmatter of a runbook file (its `alerts:` entry), else the `alerts:` line, else 1. */
function alertLineInRunbook(path: string, name: string): number {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return 1;
  }
  const lines = text.split(/\r?\n/);
  const end = lines.indexOf('---', 1);
  const limit = end > 0 ? end : Math.min(lines.length, 200);
  let alertsLine = 0;
  const word = new RegExp(`(^|[^A-Za-z0-9_:])${name.replace(/[$()*+.?[\\\]^{|}]/g, '\\$&')}($|[^A-Za-z0-9_:])`);
  for (let i = 0; i < limit; i += 1) {
    const line = lines[i] ?? '';
    if (/^alerts\s*:/.test(line)) alertsLine = i + 1;
    if (alertsLine > 0 && word.test(line)) return i + 1;
  }
  return alertsLine || 1;
}

/**
 * Cross-checks the rule files against the runbooks. Errors: a rule file that does not parse (RB062), an alert
 * without a severity (RB063) or a runbook_url (RB064), a runbook_url that names no runbook (RB065), a runbook
 * naming an alert no rule defines (RB066), no rule files while runbooks name alerts (RB068). Warning: an alert
 * linking to a runbook whose `alerts:` leaves it out (RB067).
 */
export function analyzeAlerts(options: CheckAlertsOptions): { rules: AlertRule[]; diagnostics: AlertDiagnostic[] } {
  const { repoRoot, runbooks } = options;
  const rulesDir = options.rulesDir ?? join(repoRoot, 'monitoring', 'rules');
  const siteBase = options.siteBase ?? siteBaseOf(repoRoot);
  const { rules, files, diagnostics } = readRules(rulesDir, repoRoot);
  const byId = new Map(runbooks.map((r) => [r.id, r]));
  for (const rule of rules) {
    if (!rule.severity) {
      diagnostics.push(diag('RB063', `alert ${rule.name} has no labels.severity`, rule.file, rule.line));
    } else if (!(SEVERITIES as readonly string[]).includes(rule.severity)) {
      diagnostics.push(diag('RB063', `alert ${rule.name} has severity ${JSON.stringify(rule.severity)}; use one of ${SEVERITIES.join(', ')}`, rule.file, rule.line));
    }
    if (!rule.runbookUrl) {
      diagnostics.push(diag('RB064', `alert ${rule.name} has no annotations.runbook_url`, rule.file, rule.line));
      continue;
    }
    const id = runbookIdOfUrl(rule.runbookUrl, siteBase);
    if (!id) {
      diagnostics.push(diag('RB065', `alert ${rule.name}: runbook_url ${rule.runbookUrl} is not a runbook page of the site (${siteBase}runbooks/<id>/)`, rule.file, rule.line));
      continue;
    }
    const runbook = byId.get(id);
    if (!runbook) {
      diagnostics.push(diag('RB065', `alert ${rule.name}: runbook_url ${rule.runbookUrl} names runbook ${id}, and there is no runbooks/${id}.md`, rule.file, rule.line));
      continue;
    }
    rule.runbook = id;
    if (runbook.alerts && runbook.alerts.length > 0 && !runbook.alerts.includes(rule.name)) {
      diagnostics.push(diag('RB067', `alert ${rule.name} links to runbook ${id}, whose alerts: (${runbook.alerts.join(', ')}) leaves it out`, rule.file, rule.line, 'warning'));
    }
  }
  const names = new Set(rules.map((r) => r.name));
  const naming = runbooks.filter((r) => (r.alerts ?? []).length > 0);
  if (files.length === 0 && naming.length > 0) {
    const first = naming[0] as AlertRunbook;
    diagnostics.push(diag('RB068', `runbook ${first.id} names alerts, but ${relative(repoRoot, rulesDir) || rulesDir} has no rule files`, first.file, alertLineInRunbook(join(repoRoot, first.file), (first.alerts ?? [])[0] ?? '')));
    return { rules, diagnostics };
  }
  // Only when every rule file parsed: an alert in a broken file is not "unknown", it is unreadable (RB062 says so).
  const unreadable = diagnostics.some((d) => d.code === 'RB062');
  if (!unreadable) {
    for (const runbook of naming) {
      for (const name of runbook.alerts ?? []) {
        if (names.has(name)) continue;
        const near = [...names].find((n) => n.toLowerCase() === name.toLowerCase());
        diagnostics.push(diag('RB066', `runbook ${runbook.id} answers alert ${name}, and no rule in ${relative(repoRoot, rulesDir)} has that name${near ? `; did you mean ${near}?` : ''}`, runbook.file, alertLineInRunbook(join(repoRoot, runbook.file), name)));
      }
    }
  }
  return { rules, diagnostics };
}

/** The cross-check's diagnostics only (see analyzeAlerts, which also returns the rules it read). */
export function checkAlerts(options: CheckAlertsOptions): AlertDiagnostic[] {
  return analyzeAlerts(options).diagnostics;
}
