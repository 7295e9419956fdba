import type { CommandContext } from '../main.js';
import { EXIT, ReadybookError } from '../../errors.js';
import { readybookHome } from '../../record/home.js';
import { renderReportMarkdown } from '../../record/report.js';
import { loadReportFrom } from '../../record/runs.js';
import { locateRun } from '../../store/read.js';

export default async function report({ args, cwd, env }: CommandContext): Promise<number> {
  const home = readybookHome(cwd, env);
  const format = args.json === true ? 'json' : String(args.format ?? 'md');
  if (format !== 'md' && format !== 'json') throw new ReadybookError('RB060', `--format must be md or json, not ${JSON.stringify(format)}`);
  const data = loadReportFrom((await locateRun(home, String(args.runId), env)).dir);
  process.stdout.write(format === 'json' ? `${JSON.stringify(data, null, 2)}\n` : renderReportMarkdown(data));
  return EXIT.passed;
}
