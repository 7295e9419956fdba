import { formatDuration, DEFAULT_TIMEOUT_MS } from '@readybook/schema';
import { Masker } from '../run/mask.js';
import type { Block, Runbook } from './parse.js';
import type { ResolvedParam } from './params.js';
import { onPath } from './requires.js';
import { makeStyle, table } from '../cli/present/style.js';

export interface PlannedBlock {
  lang: Block['lang'];
  line: number;
  timeout: string;
  retries: number;
  /** Started in the background under this name, awaited or stopped by the step named. */
  background?: { name: string; endedBy?: { step: number; how: 'await' | 'stop' } };
  /** Waits for (`await`) or stops (`stop`) this background block before it runs. */
  await?: string;
  stop?: string;
  code: string;
}

export interface Plan {
  runbook: { id: string; path: string; title: string; hash: string; ci: 'run' | 'plan' };
  params: Array<{ name: string; type: string; value: string | null; source: ResolvedParam['source']; secret: boolean; required: boolean }>;
  /** Required params with no value yet: a run would refuse to start until they are given. */
  missing: string[];
  requires: Array<{ program: string; found: boolean }>;
  steps: Array<{ index: number; title: string; manual: boolean; run?: PlannedBlock; verify?: PlannedBlock; rollback?: PlannedBlock }>;
  rollbackOrder: number[];
}

/** The dry run: what would execute, in what order, with which params. Nothing is executed. */
export function buildPlan(runbook: Runbook, _path: string, params: ResolvedParam[], env: NodeJS.ProcessEnv): Plan {
  const masker = new Masker(params.filter((p) => p.secret).map((p) => p.value));
  const planned = (block: Block | undefined): PlannedBlock | undefined =>
    block && {
      lang: block.lang,
      line: block.line,
      timeout: formatDuration(block.options.timeoutMs ?? DEFAULT_TIMEOUT_MS[block.role]),
      retries: block.options.retries ?? 0,
      ...(block.options.background !== undefined ? { background: { name: block.options.background, ...endedBy(block.options.background) } } : {}),
      ...(block.options.await !== undefined ? { await: block.options.await } : {}),
      ...(block.options.stop !== undefined ? { stop: block.options.stop } : {}),
      code: masker.mask(block.code),
    };
  function endedBy(name: string): { endedBy?: { step: number; how: 'await' | 'stop' } } {
    for (const s of runbook.steps) {
      for (const b of [s.run, s.verify]) {
        if (b?.options.await === name) return { endedBy: { step: s.index, how: 'await' } };
        if (b?.options.stop === name) return { endedBy: { step: s.index, how: 'stop' } };
      }
    }
    return {};
  }
  const declared = runbook.frontmatter.params;
  return {
    runbook: { id: runbook.id, path: runbook.file, title: runbook.frontmatter.title, hash: runbook.hash, ci: runbook.frontmatter.ci },
    params: params.map((p) => ({
      name: p.name,
      type: declared[p.name]?.type ?? 'string',
      value: p.value === undefined ? null : p.secret ? '***' : p.value,
      source: p.source,
      secret: p.secret,
      required: declared[p.name]?.required ?? false,
    })),
    missing: params.filter((p) => p.value === undefined && declared[p.name]?.required).map((p) => p.name),
    requires: runbook.frontmatter.requires.map((program) => ({ program, found: onPath(program, env) })),
    steps: runbook.steps.map((s) => {
      const step: Plan['steps'][number] = { index: s.index, title: s.title, manual: s.manual };
      const run = planned(s.run);
      const verify = planned(s.verify);
      const rollback = planned(s.rollback);
      if (run) step.run = run;
      if (verify) step.verify = verify;
      if (rollback) step.rollback = rollback;
      return step;
    }),
    rollbackOrder: runbook.steps.filter((s) => s.rollback).map((s) => s.index).reverse(),
  };
}

export function renderPlan(plan: Plan, out: NodeJS.WriteStream = process.stdout): string {
  const style = makeStyle(out);
  const lines: string[] = [];
  lines.push(`${style.bold(`Plan: ${plan.runbook.title}`)} ${style.dim(`(${plan.runbook.path}, ${plan.steps.length} step${plan.steps.length === 1 ? '' : 's'}) — nothing is executed`)}`);
  if (plan.runbook.ci === 'plan') lines.push(style.yellow('Note: CI only validates and plans this runbook (its target is not reachable there).'));
  if (plan.params.length > 0) {
    lines.push('', table([['param', 'type', 'value', 'from'], ...plan.params.map((p) => [p.name, p.type + (p.secret ? ' (secret)' : ''), p.value ?? (p.required ? style.yellow('(required, not given)') : '(unset)'), p.source])], style));
  }
  const missing = plan.requires.filter((r) => !r.found);
  if (plan.requires.length > 0) {
    lines.push('', `Requires: ${plan.requires.map((r) => (r.found ? style.green(`${r.program} ✔`) : style.red(`${r.program} ✖ not on PATH`))).join(', ')}`);
  }
  for (const step of plan.steps) {
    lines.push('', style.bold(`${step.index}. ${step.title}`) + (step.manual ? style.yellow(' — manual: the operator does this and confirms') : ''));
    for (const role of ['run', 'verify', 'rollback'] as const) {
      const block = step[role];
      if (!block) continue;
      lines.push(`   ${style.cyan(role.padEnd(8))} ${style.dim(`${block.lang}, timeout ${block.timeout}${block.retries ? `, retries ${block.retries}` : ''}, line ${block.line}`)}`);
      if (block.stop) lines.push(`   ${style.yellow(`first stops background block ${block.stop}`)}`);
      if (block.await) lines.push(`   ${style.yellow(`first waits for background block ${block.await} to end`)}`);
      if (block.background) {
        const until = block.background.endedBy ? `${block.background.endedBy.how === 'await' ? 'awaited' : 'stopped'} by step ${block.background.endedBy.step}` : 'stopped at run end';
        lines.push(`   ${style.yellow(`runs in the background as ${block.background.name} while later steps run (${until})`)}`);
      }
      for (const codeLine of block.code.replace(/\n$/, '').split('\n')) lines.push(style.dim(`     │ `) + codeLine);
    }
  }
  lines.push('', `On failure, rollback blocks run newest first from the failed step: ${plan.rollbackOrder.length ? plan.rollbackOrder.join(' → ') : 'none defined'}.`);
  if (plan.missing.length > 0) lines.push(style.yellow(`A run needs ${plan.missing.map((m) => `--param ${m}=<value>`).join(' ')} before it starts.`));
  if (missing.length > 0) lines.push(style.red(`A run would stop before step 1: ${missing.map((m) => m.program).join(', ')} not on PATH.`));
  return `${lines.join('\n')}\n`;
}
