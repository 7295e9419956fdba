import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CommandContext } from '../cli.js';
import { EXIT, ReadybookError } from '../errors.js';
import { gitRoot, readybookHome, runDir } from '../home.js';
import { resolveRunId } from '../runs.js';
import { makeStyle } from '../style.js';
import { loadTrust } from '../trust.js';
import { type Verification, verifyEvidenceFile, verifyRunDir } from '../verify.js';

/** `readybook verify <run-id|latest|evidence-file|release-file>`: exit 0 when it verifies, 1 with what is wrong. */
export default async function verify({ args, cwd, env }: CommandContext): Promise<number> {
  const target = String(args.target);
  const home = readybookHome(cwd, env);
  const path = resolve(cwd, target);
  const isFile = (target.includes('/') || target.endsWith('.json')) && existsSync(path);
  const root = gitRoot(isFile ? path : cwd) ?? resolve(cwd);
  const trust = loadTrust(root, home, env);
  let result: Verification;
  if (isFile) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      throw new ReadybookError('RB071', `cannot read ${target}`);
    }
    if (/"payloadType"\s*:/.test(text.slice(0, 200))) {
      const { verifyRelease } = await import('../release.js');
      result = verifyRelease(path, trust, { root });
    } else {
      result = verifyEvidenceFile(path, trust, { acceptHomeKey: true });
    }
  } else if (target === 'latest' || /^\d{8}T\d{6}Z-/.test(target)) {
    const runId = resolveRunId(home, target);
    result = verifyRunDir(runDir(home, runId), runId, trust);
  } else {
    throw new ReadybookError('RB071', `${target} is neither a run id nor an evidence or release file`);
  }
  if (isFile) result.subject = target;
  if (args.json === true) {
    const { events: _events, report: _report, ...rest } = result;
    process.stdout.write(`${JSON.stringify(rest, null, 2)}\n`);
    return result.ok ? EXIT.passed : EXIT.failed;
  }
  process.stdout.write(renderVerification(result, makeStyle(process.stdout)));
  return result.ok ? EXIT.passed : EXIT.failed;
}

export function renderVerification(result: Verification, style: ReturnType<typeof makeStyle>): string {
  const lines = [`${result.kind} ${result.subject}`];
  for (const check of result.checks) lines.push(`  ${check.ok ? style.green('✔') : style.red('✗')} ${check.name.padEnd(10)} ${check.detail}`);
  lines.push(
    result.ok
      ? `${style.green('VERIFIED')}: ${result.kind} ${result.subject} is intact and signed by a trusted key`
      : `${style.red('NOT VERIFIED')}: ${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}; ${result.kind === 'run' ? 'checklists do not count this run' : result.kind === 'evidence' ? 'checklists do not count this evidence' : 'this decision record cannot be trusted'}`,
  );
  return `${lines.join('\n')}\n`;
}
