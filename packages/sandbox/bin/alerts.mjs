#!/usr/bin/env node
// alerts.mjs — what the sandbox's Prometheus and Alertmanager say about an alert, for the incident drill and the
// runbooks that answer alerts. Reads PROM_PORT and ALERTMANAGER_PORT from the sandbox env (or PROMETHEUS_URL and
// ALERTMANAGER_URL), and the webhook receiver's record in $SANDBOX_DIR/alerts/notifications.jsonl.
//
//   alerts.mjs check NAME                      Prometheus and Alertmanager answer, Prometheus sends to that
//                                              Alertmanager and has loaded a rule NAME, and NAME is not firing now;
//                                              prints the rule as JSON {name, severity, for, runbookUrl, runbook}
//   alerts.mjs wait-firing NAME [--timeout S]  until Alertmanager lists NAME as active; prints JSON
//                                              {seenAt, startsAt, runbookUrl}
//   alerts.mjs wait-resolved NAME [--timeout S] until Alertmanager no longer lists NAME; prints JSON {seenAt}
//   alerts.mjs wait-notified NAME STATUS [--since ISO] [--timeout S]
//                                              until the webhook received NAME with STATUS (firing|resolved) at or
//                                              after --since; prints JSON {receivedAt}
//   alerts.mjs wait-query EXPR [--timeout S]   until the PromQL instant query EXPR returns a sample
//
// Exit codes: 0 done, 1 not within the timeout (or, for check, the rule is missing or already firing), 2 usage,
// 3 not a sandbox with alerting, 4 Prometheus or Alertmanager unreachable (for 3 s in a row while waiting).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fail, parseArgs } from './lib/env.mjs';

const { options, positional } = parseArgs(process.argv.slice(2));
const [command, name, status] = positional;
const timeout = Number(options.timeout ?? 60);
if (!command || !name || !Number.isFinite(timeout) || timeout <= 0) fail('usage: alerts.mjs check|wait-firing|wait-resolved|wait-notified|wait-query NAME [--timeout S]', 2);

const promUrl = process.env.PROMETHEUS_URL ?? (process.env.PROM_PORT ? `http://127.0.0.1:${process.env.PROM_PORT}` : '');
const amUrl = process.env.ALERTMANAGER_URL ?? (process.env.ALERTMANAGER_PORT ? `http://127.0.0.1:${process.env.ALERTMANAGER_PORT}` : '');
if (!promUrl || !amUrl) {
  fail('this sandbox has no Prometheus or no Alertmanager (no PROM_PORT / ALERTMANAGER_PORT in its env); install prometheus, prometheus-alertmanager and prometheus-pushgateway, then recreate it: sandbox.sh down; sandbox.sh up', 3);
}

class Unreachable extends Error {}

/** GET a URL as JSON; Unreachable when there is no answer in 2 s, an Error for any other problem. */
async function getJson(what, url, asText = false) {
  let res;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  } catch (error) {
    throw new Unreachable(`${what} at ${new URL(url).origin} is unreachable (${error.cause?.code ?? error.cause?.message ?? error.message})`);
  }
  if (!res.ok) throw new Error(`${what} answered HTTP ${res.status} to ${new URL(url).pathname}: ${(await res.text()).slice(0, 200)}`);
  return asText ? res.text() : res.json();
}

const activeAlerts = async () => {
  const filter = encodeURIComponent(`alertname="${name}"`);
  const alerts = await getJson('Alertmanager', `${amUrl}/api/v2/alerts?active=true&silenced=false&inhibited=false&filter=${filter}`);
  return alerts.filter((a) => a.labels?.alertname === name && a.status?.state === 'active');
};

/** The id of the runbook a runbook_url names (…/runbooks/<id>/), or null. */
const runbookOf = (url) => /\/runbooks\/([a-z0-9][a-z0-9._-]*)\/?(?:#.*)?$/.exec(url ?? '')?.[1] ?? null;

const iso = (ms = Date.now()) => new Date(ms).toISOString();

/**
 * Polls `probe` every 100 ms until it returns a value; Prometheus must keep answering too (an alert cannot fire
 * or resolve without it). Unreachable for 3 s in a row ends the wait with exit 4.
 */
async function waitFor(probe, what) {
  const deadline = Date.now() + timeout * 1_000;
  let unreachableSince = null;
  for (;;) {
    try {
      await getJson('Prometheus', `${promUrl}/api/v1/status/runtimeinfo`);
      const value = await probe();
      unreachableSince = null;
      if (value !== undefined) return value;
    } catch (error) {
      if (!(error instanceof Unreachable)) fail(error.message, 1);
      unreachableSince ??= Date.now();
      if (Date.now() - unreachableSince >= 3_000) fail(`${error.message} while waiting for ${what}; nothing can be observed without it. Start it again with: sandbox.sh up`, 4);
    }
    if (Date.now() >= deadline) fail(`${what} did not happen within ${timeout} s`, 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function check() {
  try {
    await getJson('Prometheus', `${promUrl}/-/ready`, true);
    await getJson('Alertmanager', `${amUrl}/api/v2/status`);
    // Prometheus finds the Alertmanager of its static config a few seconds after it starts (its discovery
    // updates every 5 s): right after `sandbox.sh up`, wait up to 30 s for it.
    const port = new URL(amUrl).port;
    let managers;
    for (let waited = 0; ; waited += 250) {
      managers = await getJson('Prometheus', `${promUrl}/api/v1/alertmanagers`);
      if (managers.data.activeAlertmanagers.some((m) => new URL(m.url).port === port) || waited >= 30_000) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    if (!managers.data.activeAlertmanagers.some((m) => new URL(m.url).port === port)) {
      fail(`Prometheus does not send its alerts to the Alertmanager at ${amUrl} (active: ${managers.data.activeAlertmanagers.map((m) => m.url).join(', ') || 'none'})`, 1);
    }
    const rules = await getJson('Prometheus', `${promUrl}/api/v1/rules?type=alert`);
    const rule = rules.data.groups.flatMap((g) => g.rules).find((r) => r.name === name);
    if (!rule) {
      const names = rules.data.groups.flatMap((g) => g.rules.map((r) => r.name));
      fail(`Prometheus has no alert rule ${name} (loaded: ${names.join(', ') || 'none'}); check the name, or the rule_files of ${process.env.SANDBOX_DIR ?? 'the sandbox'}/prometheus/prometheus.yml`, 1);
    }
    if ((await activeAlerts()).length > 0) fail(`${name} is already firing in Alertmanager; a drill starts from a quiet system, so answer that alert first`, 1);
    const out = { name, severity: rule.labels?.severity ?? null, for: rule.duration, runbookUrl: rule.annotations?.runbook_url ?? null, runbook: runbookOf(rule.annotations?.runbook_url) };
    console.log(JSON.stringify(out));
  } catch (error) {
    fail(error.message, error instanceof Unreachable ? 4 : 1);
  }
}

function notifications() {
  const file = join(process.env.SANDBOX_DIR ?? '.sandbox', 'alerts', 'notifications.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      try {
        return JSON.parse(line);
      } catch {
        return null;
      }
    })
    .filter(Boolean);
}

switch (command) {
  case 'check':
    await check();
    break;
  case 'wait-firing': {
    const alert = await waitFor(async () => (await activeAlerts())[0], `alert ${name} to fire in Alertmanager`);
    console.log(JSON.stringify({ seenAt: iso(), startsAt: alert.startsAt, runbookUrl: alert.annotations?.runbook_url ?? null, runbook: runbookOf(alert.annotations?.runbook_url), labels: alert.labels }));
    break;
  }
  case 'wait-resolved':
    await waitFor(async () => ((await activeAlerts()).length === 0 ? true : undefined), `alert ${name} to resolve in Alertmanager`);
    console.log(JSON.stringify({ seenAt: iso() }));
    break;
  case 'wait-notified': {
    if (status !== 'firing' && status !== 'resolved') fail('usage: alerts.mjs wait-notified NAME firing|resolved [--since ISO] [--timeout S]', 2);
    const since = options.since ? Date.parse(options.since) : 0;
    const found = await waitFor(
      async () => notifications().find((n) => Date.parse(n.receivedAt) >= since && (n.alerts ?? []).some((a) => a.labels?.alertname === name && a.status === status)),
      `a ${status} notification of ${name} at the webhook receiver`,
    );
    console.log(JSON.stringify({ receivedAt: found.receivedAt, receiver: found.receiver }));
    break;
  }
  case 'wait-query': {
    const result = await waitFor(async () => {
      const r = await getJson('Prometheus', `${promUrl}/api/v1/query?query=${encodeURIComponent(name)}`);
      return r.data.result.length > 0 ? r.data.result : undefined;
    }, `the query ${name} to return a sample`);
    console.log(JSON.stringify({ seenAt: iso(), samples: result.length }));
    break;
  }
  default:
    fail(`unknown command ${command}; use check, wait-firing, wait-resolved, wait-notified or wait-query`, 2);
}
