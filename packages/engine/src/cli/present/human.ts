import { formatDuration } from '@readybook/schema';
import type { RunEvent, StepEndEvent } from '../../record/events.js';
import { makeStyle, table, type Style } from './style.js';
import { cleanLine, cleanLines, fit } from './terminal-text.js';

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** What shows a run to a person or a program: the engine calls `onEvent`; a prompt calls `pause` first. */
export interface Presenter {
  onEvent(event: RunEvent): void;
  /** Stops the live line (the spinner) so a prompt can use the terminal. */
  pause(): void;
}

/** Prints events as JSON lines: with `--json`, stdout carries nothing else. */
export function jsonPresenter(out: NodeJS.WriteStream = process.stdout): Presenter {
  return {
    onEvent(event) {
      out.write(`${JSON.stringify(event)}\n`);
    },
    pause() {},
  };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * Human progress: a line per step with a status glyph, elapsed time and the tail of its output;
 * a live spinner on a terminal (one line, fitted to its width, step output cleaned of control
 * sequences); a summary table at the end.
 */
export function humanPresenter(options: { out?: NodeJS.WriteStream; verbose?: boolean; steps: number; home: string }): Presenter {
  const out = options.out ?? process.stdout;
  const style: Style = makeStyle(out);
  let live: { label: string; note: string; started: number; last: string; timer?: NodeJS.Timeout; frame: number } | undefined;
  // Only what the summary table needs: a long run must not hold every step's output tail.
  const ends: Array<Pick<StepEndEvent, 'step' | 'status' | 'attempts' | 'durationMs'>> = [];
  const width = String(options.steps).length;
  const label = (index: number, title: string) => `${String(index).padStart(width)}/${options.steps} ${title}`;
  const stopLive = () => {
    if (!live) return;
    if (live.timer) clearInterval(live.timer);
    live.timer = undefined;
    if (style.tty) out.write('\r\u001b[2K');
  };
  const clearLive = () => {
    stopLive();
    live = undefined;
  };
  const drawLive = () => {
    if (!live || !style.tty) return;
    live.frame += 1;
    const columns = Math.max(20, out.columns ?? 80);
    // One terminal line, never wrapped: a wrapped line leaves a copy of itself at every frame.
    const frame = SPINNER[live.frame % SPINNER.length] as string;
    const elapsed = formatDuration(performance.now() - live.started);
    // The label gives way first, so the spinner and the elapsed time always show.
    // With output to show, the label keeps at least half the line for it.
    const full = columns - 1 - 4 - 1 - elapsed.length;
    const labelRoom = live.last ? Math.min(full, Math.max(16, Math.floor(full / 2))) : full;
    const head = `  ${frame} ${fit(`${live.label}${live.note}`, labelRoom)} ${elapsed}`;
    const room = columns - 1 - [...head].length - 3;
    const last = live.last && room > 4 ? style.dim(` │ ${fit(live.last, room)}`) : '';
    out.write(`\r\u001b[2K${head.replace(frame, style.cyan(frame))}${last}`);
  };
  /** Redraws the live line every 100 ms again (after a pause or a line printed above it). */
  const resumeLive = () => {
    if (!live || !style.tty || live.timer) return;
    live.timer = setInterval(drawLive, 100);
    live.timer.unref();
    drawLive();
  };
  const startLive = (text: string, note = '') => {
    clearLive();
    live = { label: text, note, started: performance.now(), last: '', frame: 0 };
    resumeLive();
  };
  const tailLines = (tail: string, n: number) =>
    cleanLines(tail)
      .slice(-n)
      .map((l) => style.dim(`      │ ${l}`))
      .join('\n');
  const indent = (text: string, prefix: string) =>
    text
      .split('\n')
      .map((l) => `${prefix}${cleanLine(l)}`)
      .join('\n');

  const onEvent = (event: RunEvent) => {
    switch (event.type) {
      case 'run.start':
        out.write(`${style.bold(`▶ ${event.runbook.title}`)} ${style.dim(`(${event.runbook.path}, ${plural(event.steps, 'step')})`)}\n`);
        out.write(style.dim(`  run ${event.runId} by ${event.operator} on ${event.host}\n`));
        {
          // A value taken from the shell's environment is easy to pass by accident (VERSION, KEEP, …): say so.
          const fromEnv = Object.entries(event.paramSources ?? {}).filter(([, source]) => source === 'env').map(([name]) => `${name}=${event.params[name] ?? ''}`);
          if (fromEnv.length > 0) out.write(style.yellow(`  params from the environment: ${fromEnv.join(' ')}\n`));
        }
        break;
      case 'run.resume': {
        const n = event.skip.length;
        out.write(`${style.bold(`▶ Resuming run ${event.runId}`)}${n ? style.dim(` (step${n === 1 ? '' : 's'} ${event.skip.join(', ')} already passed)`) : ''}\n`);
        if (event.stoppedOrphan) out.write(style.yellow(`  Note: ${event.stoppedOrphan}.\n`));
        if (event.finishRollback) out.write(style.yellow('  The earlier attempt stopped during its rollback: finishing the rollback.\n'));
        break;
      }
      case 'step.start': {
        clearLive();
        const text = label(event.step.index, event.step.title);
        if (event.manual) {
          out.write(`  ${style.yellow('✋')} ${text} ${style.yellow('(manual: do this, then confirm)')}\n`);
          if (event.instructions) out.write(`${indent(event.instructions, '      ')}\n`);
        }
        if (!style.tty && !event.manual) out.write(`  ▸ ${text}\n`);
        startLive(text, event.manual ? ' (manual)' : '');
        break;
      }
      case 'step.output': {
        const lines = cleanLines(event.text);
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
        const confirmed = event.confirmation === 'yes-flag' ? style.dim(' (confirmed by --yes)') : event.confirmation === 'operator' ? style.dim(' (confirmed by the operator)') : '';
        out.write(`  ${glyph} ${label(event.step.index, event.step.title)} ${style.dim(formatDuration(event.durationMs))}${attempts}${confirmed}\n`);
        if (event.status === 'failed') {
          out.write(`${style.red(`      ${event.error ?? 'failed'}`)}\n`);
          const tail = tailLines(event.tail, 12);
          if (tail) out.write(`${tail}\n`);
        } else if (!options.verbose) {
          const tail = tailLines(event.tail, 3);
          if (tail) out.write(`${tail}\n`);
        }
        const outputs = Object.entries(event.outputs);
        if (outputs.length > 0) out.write(style.dim(`      → ${outputs.map(([k, v]) => `${cleanLine(k)}=${cleanLine(v)}`).join(' ')}\n`));
        break;
      }
      case 'run.interrupt': {
        clearLive();
        const what = {
          'stop-and-roll-back': 'stopping the running step, then rolling back. Press Ctrl-C again to abandon the rollback (`readybook resume` would finish it later).',
          'finish-rollback': 'a rollback is in progress and will finish. Press Ctrl-C again to abandon it (`readybook resume` would finish it later).',
          'abandon-rollback': 'abandoning the rollback: the running rollback block is stopped and the rest are not run. `readybook resume` finishes the rollback.',
          ignored: 'already stopping; the journal is being closed.',
        }[event.action];
        out.write(`${style.yellow(`⚠ ${event.signal === 'SIGINT' ? 'Ctrl-C' : event.signal}: ${what}`)}\n`);
        break;
      }
      case 'background.start':
        // Printed under the step that starts it, which is still the live one.
        stopLive();
        out.write(`      ${style.cyan('⧗')} ${style.dim(`started in the background as ${event.name}`)}\n`);
        resumeLive();
        break;
      case 'background.end': {
        stopLive();
        const how = event.status === 'passed' ? style.green('ended') : event.status === 'stopped' ? style.dim('stopped') : style.red('FAILED');
        const why = { ended: 'by itself', awaited: 'as awaited', stopped: 'by a step', 'run-end': 'at run end', failure: 'before the rollback', interrupt: 'on interrupt' }[event.reason];
        out.write(`  ${style.cyan('⧗')} background ${event.name} (step ${event.step.index}) ${how} ${style.dim(`${why} after ${formatDuration(event.durationMs)}${event.exitCode !== null ? ` · exit ${event.exitCode}` : ''}`)}\n`);
        if (event.error) out.write(`${style.red(`      ${cleanLine(event.error)}`)}\n`);
        if (event.status === 'failed') {
          const tail = tailLines(event.tail, 8);
          if (tail) out.write(`${tail}\n`);
        }
        const outputs = Object.entries(event.outputs);
        if (outputs.length > 0) out.write(style.dim(`      → ${outputs.map(([k, v]) => `${cleanLine(k)}=${cleanLine(v)}`).join(' ')}\n`));
        resumeLive();
        break;
      }
      case 'rollback.start':
        clearLive();
        out.write(`${style.yellow(`↺ Rolling back ${plural(event.steps.length, 'step')}, newest first`)} ${style.dim(`— ${cleanLine(event.reason)}`)}\n`);
        break;
      case 'rollback.step.start': {
        if (event.hasBlock === false) break;
        const text = label(event.step.index, event.step.title);
        if (!style.tty) out.write(`  ↺ ${text} ${style.dim('rolling back…')}\n`);
        startLive(text, ' (rolling back)');
        break;
      }
      case 'rollback.step.end': {
        clearLive();
        const glyph = event.abandoned ? style.yellow('○') : event.status === 'passed' ? style.green('↺') : event.status === 'failed' ? style.red('✖') : style.dim('○');
        const what = event.abandoned
          ? 'rollback ABANDONED (`readybook resume` finishes it)'
          : event.status === 'skipped'
            ? 'no rollback block'
            : event.status === 'passed'
              ? 'rolled back'
              : `ROLLBACK FAILED${event.exitCode !== null ? ` (exit ${event.exitCode})` : ''}`;
        out.write(`  ${glyph} ${label(event.step.index, event.step.title)} ${style.dim(what)}\n`);
        if (event.status === 'failed' && !event.abandoned) {
          if (event.error) out.write(`${style.red(`      ${event.error}`)}\n`);
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
        const colour = event.status === 'passed' ? style.green : event.status === 'rolled-back' || event.status === 'failed' || event.status === 'interrupted' ? style.yellow : style.red;
        const verdict = {
          passed: 'PASSED',
          failed: 'FAILED, not rolled back (--no-rollback): the system is as the failed step left it',
          'rolled-back': 'FAILED, rolled back cleanly',
          'rollback-failed': 'FAILED, and a ROLLBACK FAILED: a human must look',
          interrupted: 'INTERRUPTED',
          'internal-error': 'INTERNAL ERROR: the engine failed mid-run (a bug in Readybook)',
        }[event.status];
        out.write(`\n${colour(style.bold(verdict))} ${style.dim(`in ${formatDuration(event.durationMs)} · exit ${event.exitCode}`)}\n`);
        if (event.error && (event.status === 'internal-error' || event.status === 'interrupted')) out.write(`${colour(`  ${cleanLine(event.error)}`)}\n`);
        const outputs = Object.entries(event.outputs);
        if (outputs.length > 0) out.write(`${table([['output', 'value'], ...outputs.map(([k, v]) => [cleanLine(k), cleanLine(v)])], style)}\n`);
        out.write(style.dim(`report: ${options.home}/runs/${event.runId}/report.md\n`));
        break;
      }
      default:
        break;
    }
  };
  return { onEvent, pause: stopLive };
}
