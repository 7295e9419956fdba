/**
 * Merges the figures the suite recorded (results/parts/*.json) into results/latest.json, then renders
 * them as the docs page reference/reliability.md and the README section between the reliability markers.
 *
 *   pnpm --filter @readybook/reliability figures     (run by `pnpm suite` after the tests)
 *   tsx scripts/figures.ts --start                   (run by `pnpm suite` first: records the commit and time)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { LATEST, PARTS_DIR } from '../src/figures.js';
import { NODE, REPO } from '../src/harness.js';

const PAGE = join(REPO, 'apps/docs/src/content/docs/reference/reliability.md');
const README = join(REPO, 'README.md');
const START = '<!-- reliability:start -->';
const END = '<!-- reliability:end -->';
const COMMAND = 'pnpm --filter @readybook/reliability suite';

// biome-ignore lint/suspicious/noExplicitAny: figures.json is read as written by the suite, field by field below.
type Figures = Record<string, any>;

/** The run of the suite these parts come from (written by `--start`). */
const RUN = join(PARTS_DIR, '_run.json');

function merge(): Figures {
  const previous: Figures = existsSync(LATEST) ? JSON.parse(readFileSync(LATEST, 'utf8')) : {};
  const run: Figures = existsSync(RUN) ? JSON.parse(readFileSync(RUN, 'utf8')) : {};
  const parts: Figures = {};
  if (existsSync(PARTS_DIR)) {
    for (const file of readdirSync(PARTS_DIR).filter((f) => f.endsWith('.json') && !f.startsWith('_')).sort()) {
      Object.assign(parts, JSON.parse(readFileSync(join(PARTS_DIR, file), 'utf8')));
    }
  }
  // After a whole `pnpm suite` (it wrote _run.json) every figure is that run's own; otherwise (one test
  // file run by hand) a figure the run did not produce keeps its previous value and is listed as stale.
  const figures = run.commit ? parts : { ...(previous.figures ?? {}), ...parts };
  const stale = Object.keys(figures).filter((key) => !(key in parts));
  return {
    generatedAt: new Date().toISOString(),
    command: COMMAND,
    machine: `${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, ${process.platform}`,
    ...(run.commit ? { commit: run.commit, startedAt: run.startedAt, node: run.node } : {}),
    stale,
    figures,
  };
}

function provenance(data: Figures): string {
  const when = data.generatedAt.slice(0, 10);
  const at = data.commit ? ` at commit \`${String(data.commit).slice(0, 7)}\`` : '';
  const engine = data.node ? `, the engine on Node ${data.node}` : '';
  if (data.stale.length === 0) {
    return `Every figure here comes from one run of the whole suite (\`${data.command}\`), finished ${when}${at} (${data.machine}${engine}).`;
  }
  return `Measured ${when}${at} (${data.machine}${engine}). These figures were not produced by that run and keep an earlier value: ${data.stale.map((k: string) => `\`${k}\``).join(', ')}.`;
}

const n = (v: unknown, unit = '') => (typeof v === 'number' ? `${v.toLocaleString('en')}${unit}` : '—');

function rows(f: Figures): Array<[string, string, string]> {
  return [
    ['Crash safety', 'SIGKILLs survived (kill after an event, then `resume`)', `${n(f.killsSurvived)} of ${n(f.killPoints)}`],
    ['Crash safety', 'Journals cut after an event, a second kill during resume', `${n(f.resumeKillsSurvived)} of ${n(f.resumeKillPoints)}`],
    ['Bad input', 'Malformed inputs tried (corpus files + generated)', n(f.inputsTried)],
    ['Bad input', 'Hand-written corpus files (runbooks, checklists, ADRs)', n(f.corpusFiles)],
    ['Bad input', 'Slowest rejection of the corpus and generated inputs, three CLIs at once on two cores (wall clock, Node start-up included)', `${n(f.slowestRejectionMs, ' ms')}${f.slowestRejectionInput ? ` (\`${f.slowestRejectionInput}\`)` : ''}`],
    ['Bad input', 'Slowest rejection timed again alone (the 8 slowest above, one at a time)', `${n(f.slowestAloneMs, ' ms')}${f.slowestAloneInput ? ` (\`${f.slowestAloneInput}\`)` : ''}`],
    ['Bad input', `Slowest of ${n(f.shapesTried)} Markdown shapes made ${n(f.shapeLines)} lines long (each timed alone)`, `${n(f.slowestShapeMs, ' ms')}${f.slowestShape ? ` (${f.slowestShape})` : ''}; ${n(f.shapesUnderOneSecond)} of ${n(f.shapesTried)} under 1 s`],
    ['Bad input', '… peak RSS of the hungriest of them', `${n(f.hungriestShapePeakRssMiB, ' MiB')}${f.hungriestShape ? ` (${f.hungriestShape})` : ''}`],
    ['Secrets', 'Secret canaries found in artifacts', n(f.secretsLeaked)],
    ['Secrets', 'Artifacts searched', n(f.secretArtifactsSearched)],
    ['Injection', 'Hostile values and paths tried / executed', `${n(f.injectionAttempts)} / ${n(f.injectionsExecuted)}`],
    ['Failure injection', 'Steps of deploy and restore made to fail', n(f.injectedFailures)],
    ['Failure injection', '… previous release still serving / live data intact', `${n(f.previousReleaseServing)} / ${n(f.liveDataIntact)}`],
    ['Load', 'Concurrent runs of one runbook: ran / refused (exit 4)', `${n(f.concurrentRan)} / ${n(f.concurrentRefused)} of ${n(f.concurrentAttempts)}`],
    ['Load', 'Different runbooks running at once', n(f.differentRunbooksHeld)],
    ['Load', 'Peak RSS of a one-step run (baseline)', n(f.baselineRssMiB, ' MiB')],
    ['Load', '5,000-step runbook: time / peak RSS', `${n(f.steps5000Ms, ' ms')} / ${n(f.steps5000PeakRssMiB, ' MiB')}`],
    ['Load', '1 GiB of step output: time / peak RSS', `${n(f.output1GiBMs, ' ms')} / ${n(f.output1GiBPeakRssMiB, ' MiB')}`],
    ['Site', 'Build of the generated pages: pages / ms per page', `${n(f.sitePages)} / ${n(f.siteMsPerPage, ' ms')}`],
    ['Site', 'Largest page: HTML / JS', `${n(f.siteLargestHtmlKiB, ' KiB')} / ${n(f.siteLargestJsKiB, ' KiB')}`],
  ];
}

function table(f: Figures): string {
  return ['| Area | Measure | Value |', '| --- | --- | --- |', ...rows(f).map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function page(data: Figures): string {
  return `---
title: Reliability figures
description: What the reliability suite measured the last time it ran — crashes survived, bad inputs rejected, secrets leaked, load held.
---

<!-- Generated by packages/reliability/scripts/figures.ts from results/latest.json on ${data.generatedAt}. Do not edit: run \`${data.command}\`. -->

:::note[Generated]
This page is generated from \`packages/reliability/results/latest.json\`. ${provenance(data)} Each test file of the
suite records its figures as it runs; a dash means that part has never run. Times are wall clock on a noisy 2-core
machine, with the suite's own processes running beside each other.
:::

The reliability suite (\`packages/reliability\`) tries hard to break Readybook: it SIGKILLs the engine after every
event of a run and resumes it, feeds it malformed runbooks, checklists and ADRs, hunts for a secret canary in
every artifact, passes hostile param values and paths, makes each step of the real deploy and restore runbooks
fail against the sandbox, and runs it under load. Its fast part runs in CI (\`pnpm --filter @readybook/reliability test\`).

${table(data.figures)}
${shapes(data.figures)}`;
}

/** The time and memory of each Markdown shape, slowest first. */
function shapes(f: Figures): string {
  if (!f.shapes) return '';
  const list = Object.entries(f.shapes as Record<string, { ms: number; peakRssMiB: number }>).sort((a, b) => b[1].ms - a[1].ms);
  return `
## The slowest Markdown shapes

Each shape is one construct repeated until the runbook is ${n(f.shapeLines)} lines long, with a duplicate step title on
its last line, so the engine must parse all of it to find the error. The parser's cost is per line and depends on the
construct; a list, a table, a quote or a run of definitions is one block, parsed whole. Runbooks over 40,000 lines
are refused before parsing (RB006). Checklists are parsed with their inline syntax and are limited to 1,000 lines
(CL026); the suite rejects nine shapes at that size, and each counts among the inputs above.

| Shape | Rejected in | Peak RSS |
| --- | --- | --- |
${list.map(([name, v]) => `| ${name} | ${n(v.ms, ' ms')} | ${n(v.peakRssMiB, ' MiB')} |`).join('\n')}
`;
}

function readmeSection(data: Figures): string {
  return `${START}
## Reliability

${provenance(data)} Generated from \`packages/reliability/results/latest.json\`; see the Reliability figures page of the docs.

${table(data.figures)}
${END}`;
}

if (process.argv.includes('--start')) {
  const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: REPO, encoding: 'utf8' }).trim();
  const node = execFileSync(NODE, ['-v'], { encoding: 'utf8' }).trim();
  mkdirSync(PARTS_DIR, { recursive: true });
  writeFileSync(RUN, `${JSON.stringify({ commit, node, startedAt: new Date().toISOString() })}\n`);
  process.exit(0);
}

const data = merge();
writeFileSync(LATEST, `${JSON.stringify(data, null, 2)}\n`);
writeFileSync(PAGE, page(data));
if (existsSync(README)) {
  const text = readFileSync(README, 'utf8');
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  const updated = start >= 0 && end > start ? text.slice(0, start) + readmeSection(data) + text.slice(end + END.length) : `${text.trimEnd()}\n\n${readmeSection(data)}\n`;
  writeFileSync(README, updated);
}
console.log(`figures: ${LATEST}\n  page: ${PAGE}\n  README section updated`);
