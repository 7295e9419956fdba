import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CommandContext } from '../main.js';
import { EXIT, ReadybookError } from '../../errors.js';
import { gitRoot, readybookHome } from '../../record/home.js';
import { locateRun } from '../../store/read.js';
import { makeStyle } from '../present/style.js';
import { loadTrust } from '../../trust/keys.js';
import { type Verification, verifyEvidenceFile, verifyRunDir } from '../../trust/verify.js';

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
    if (/"type"\s*:\s*"readybook\.signoff\/v1"/.test(text.slice(0, 200))) {
      result = await verifySignOffFile(path, text, root, home, trust);
    } else if (/"payloadType"\s*:/.test(text.slice(0, 200))) {
      const { verifyRelease } = await import('../../checklist/release.js');
      result = verifyRelease(path, trust, { root });
    } else {
      result = verifyEvidenceFile(path, trust, { acceptHomeKey: true });
    }
  } else if (target === 'latest' || /^\d{8}T\d{6}Z-/.test(target)) {
    const run = await locateRun(home, target, env);
    result = verifyRunDir(run.dir, run.runId, trust);
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

/** A sign-off file: its signature, its key listed for the role, its date, and whether the evidence it was signed over is still current. */
async function verifySignOffFile(path: string, text: string, root: string, home: string, trust: ReturnType<typeof loadTrust>): Promise<Verification> {
  const { evaluate, readChecklist } = await import('../../checklist/index.js');
  const { judgeSignOff } = await import('../../checklist/signoffs.js');
  const payload = JSON.parse(text) as { checklist: string; item: string; role: string; signedBy: string; evidenceDigest: string };
  const signature = existsSync(`${path}.sig`) ? readFileSync(`${path}.sig`, 'utf8') : undefined;
  let digest = payload.evidenceDigest;
  const checks: Verification['checks'] = [];
  try {
    const { checklist } = await readChecklist(resolve(root, payload.checklist), root);
    digest = (await evaluate(checklist, { home, evidenceDir: resolve(root, 'evidence'), trust, cwd: root, evidenceOnly: true })).evidenceDigest;
    const item = checklist.sections.flatMap((s) => s.items).find((i) => i.text === payload.item);
    checks.push({ name: 'item', ok: Boolean(item), detail: item ? `item ${item.line} of ${payload.checklist}: ${payload.item}` : `${payload.checklist} has no item "${payload.item}" any more: the sign-off is of another text` });
  } catch {
    checks.push({ name: 'item', ok: false, detail: `cannot read ${payload.checklist}` });
  }
  const verdict = judgeSignOff({ file: path, text, payload: payload as never, ...(signature ? { signature } : {}) }, trust, { now: Date.now(), evidenceDigest: digest });
  checks.push(verdict.ok ? { name: 'signature', ok: true, detail: `signed by ${payload.signedBy} as ${payload.role} (${verdict.fingerprint}, listed as ${verdict.principal}), over the current evidence` } : { name: 'signature', ok: false, detail: verdict.problem });
  const problems = checks.filter((c) => !c.ok).map((c) => c.detail);
  return { kind: 'evidence', subject: path, ok: problems.length === 0, checks, problems };
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
