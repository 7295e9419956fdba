import { formatDuration } from '@readybook/schema';
import type { RunEvent, StepEndEvent } from './events.js';
import { makeStyle, table, type Style } from './style.js';

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** Prints events as JSON lines: with `--json`, stdout carries nothing else. */
export function jsonPresenter(out: NodeJS.WriteStream = process.stdout): (event: RunEvent) => void {
  return (event) => {
    out.write(`${JSON.stringify(event)}\n`);
  };
}

/**
 * Human progress: a line per step with a status glyph, elapsed time and the tail of its output;
 * a live spinner on a terminal; a summary table at the end.
 */
export function humanPresenter(options: { out?: NodeJS.WriteStream; verbose?: boolean; steps: number; home: string }): (event: RunEvent) => void {
  const out = options.out ?? process.stdout;
  const style: Style = makeStyle(out);
  let live: { label: string; started: number; last: string; timer?: NodeJS.Timeout; frame: number } | undefined;
  // Only what the summary table needs: a long run must not hold every step's output tail.
  const ends: Array<Pick<StepEndEvent, 'step' | 'status' | 'attempts' | 'durationMs'>> = [];
  const width = String(options.steps).length;
  const label = (index: number, title: string) => `${String(index).padStart(width)}/${options.steps} ${title}`;
  const clearLive = () => {
    if (!live) return;
    if (live.timer) clearInterval(live.timer);
    if (style.tty) out.write('\r\u001b[2K');
    live = undefined;
  };
  const drawLive = () => {
    if (!live || !style.tty) return;
    live.frame += 1;
    const elapsed = formatDuration(performance.now() - live.started);
    const columns = out.columns ?? 100;
    const last = live.last ? style.dim(` │ ${live.last.slice(0, Math.max(0, columns - live.label.length - 20))}`) : '';
    out.write(`\r\u001b[2K  ${style.cyan(SPINNER[live.frame % SPINNER.length] as string)} ${live.label} ${style.dim(elapsed)}${last}`);
  };
  const tailLines = (tail: string, n: number) =>
    tail
      .trimEnd()
      .split('\n')
      .slice(-n)
      .filter((l) => l.trim() !== '')
      .map((l) => style.dim(`      │ ${l}`))
      .join('\n');

  return (event) => {
    switch (event.type) {
      case 'run.start':
        out.write(`${style.bold(`▶ ${event.runbook.title}`)} ${style.dim(`(${event.runbook.path}, ${event.steps} step${event.steps === 1 ? '' : 's'})`)}\n`);
        out.write(style.dim(`  run ${event.runId} by ${event.operator} on ${event.host}\n`));
        {
          // A value taken from the shell's environment is easy to pass by accident (VERSION, KEEP, …): say so.
          const fromEnv = Object.entries(event.paramSources ?? {}).filter(([, source]) => source === 'env').map(([name]) => `${name}=${event.params[name] ?? ''}`);
          if (fromEnv.length > 0) out.write(style.yellow(`  params from the environment: ${fromEnv.join(' ')}\n`));
        }
        break;
      case 'run.resume':
        out.write(`${style.bold(`▶ Resuming run ${event.runId}`)}${event.skip.length ? style.dim(` (steps ${event.skip.join(', ')} already passed)`) : ''}\n`);
        if (event.stoppedOrphan) out.write(style.yellow(`  Note: ${event.stoppedOrphan}.\n`));
        if (event.finishRollback) out.write(style.yellow('  The earlier attempt stopped during its rollback: finishing the rollback.\n'));
        break;
      case 'step.start':
        clearLive();
        live = { label: label(event.step.index, event.step.title) + (event.manual ? style.yellow(' (manual)') : ''), started: performance.now(), last: '', frame: 0 };
        if (style.tty) {
          live.timer = setInterval(drawLive, 100);
          live.timer.unref();
          drawLive();
        } else {
          out.write(`  ▸ ${live.label}\n`);
        }
        break;
      case 'step.output': {
        const lines = event.text.split('\n').filter((l) => l.trim() !== '');
        if (live && lines.length > 0) live.last = lines[lines.length - 1] as string;
        if (options.verbose) {
          if (style.tty) out.write('\r\u001b[2K');
          for (const line of lines) out.write(style.dim(`      │ ${line}\n`));
        }
        break;
      }
      case 'step.end': {
        clearLive();
        ends.push({ step: event.step, status: event.status, attempts: event.attempts, durationMs: event.durationMs });
        const glyph = event.status === 'passed' ? style.green('✔') : event.status === 'failed' ? style.red('✖') : style.dim('○');
        const attempts = event.attempts > 1 ? style.dim(` (${event.attempts} attempts)`) : '';
        out.write(`  ${glyph} ${label(event.step.index, event.step.title)} ${style.dim(formatDuration(event.durationMs))}${attempts}\n`);
        if (event.status === 'failed') {
          out.write(`${style.red(`      ${event.error ?? 'failed'}`)}\n`);
          const tail = tailLines(event.tail, 12);
          if (tail) out.write(`${tail}\n`);
        } else if (!options.verbose) {
          const tail = tailLines(event.tail, 3);
          if (tail) out.write(`${tail}\n`);
        }
        const outputs = Object.entries(event.outputs);
        if (outputs.length > 0) out.write(style.dim(`      → ${outputs.map(([k, v]) => `${k}=${v}`).join(' ')}\n`));
        break;
      }
      case 'rollback.start':
        out.write(`${style.yellow(`↺ Rolling back ${event.steps.length} step(s), newest first`)} ${style.dim(`— ${event.reason}`)}\n`);
        break;
      case 'rollback.step.end': {
        const glyph = event.status === 'passed' ? style.green('↺') : event.status === 'failed' ? style.red('✖') : style.dim('○');
        const what = event.status === 'skipped' ? 'no rollback block' : event.status === 'passed' ? 'rolled back' : `ROLLBACK FAILED (exit ${event.exitCode})`;
        out.write(`  ${glyph} ${label(event.step.index, event.step.title)} ${style.dim(what)}\n`);
        if (event.status === 'failed') {
          const tail = tailLines(event.tail, 8);
          if (tail) out.write(`${tail}\n`);
        }
        break;
      }
      case 'run.end': {
        clearLive();
        if (ends.length > 0) {
          const rows = [['#', 'step', 'status', 'attempts', 'time']];
          for (const end of ends) rows.push([String(end.step.index), end.step.title, end.status, String(end.attempts), formatDuration(end.durationMs)]);
          out.write(`\n${table(rows, style)}\n`);
        }
        const colour = event.status === 'passed' ? style.green : event.status === 'rolled-back' || event.status === 'failed' ? style.yellow : style.red;
        const verdict = {
          passed: 'PASSED',
          failed: 'FAILED (not rolled back)',
          'rolled-back': 'FAILED, rolled back cleanly',
          'rollback-failed': 'FAILED, and a ROLLBACK FAILED: a human must look',
          interrupted: 'INTERRUPTED',
        }[event.status];
        out.write(`\n${colour(style.bold(verdict))} ${style.dim(`in ${formatDuration(event.durationMs)} · exit ${event.exitCode}`)}\n`);
        const outputs = Object.entries(event.outputs);
        if (outputs.length > 0) out.write(`${table([['output', 'value'], ...outputs.map(([k, v]) => [k, v])], style)}\n`);
        out.write(style.dim(`report: ${options.home}/runs/${event.runId}/report.md\n`));
        break;
      }
      default:
        break;
    }
  };
}
