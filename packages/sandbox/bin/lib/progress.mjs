// Reads `readybook run --json` events on stdin and prints one line per step (and per rollback step),
// then the run's result. Writes the run id to the file named by its first argument, if any.
import { writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const [runIdFile] = process.argv.slice(2);
const seconds = (ms) => `${(ms / 1_000).toFixed(1)}s`;

for await (const line of createInterface({ input: process.stdin })) {
  if (!line.startsWith('{')) continue;
  const event = JSON.parse(line);
  switch (event.type) {
    case 'run.start':
      if (runIdFile) writeFileSync(runIdFile, event.runId);
      console.log(`  run ${event.runId}: ${event.runbook.title}`);
      break;
    case 'step.end': {
      const mark = event.status === 'passed' ? '✔' : event.status === 'skipped' ? '○' : '✖';
      console.log(`    ${mark} ${event.step.index}. ${event.step.title} (${seconds(event.durationMs)})`);
      if (event.status === 'failed') console.log(event.tail.trimEnd().replace(/^/gm, '        │ '));
      break;
    }
    case 'rollback.step.end':
      console.log(`    ↺ rollback ${event.step.index}. ${event.step.title}: ${event.status}`);
      break;
    case 'run.end':
      console.log(`  ${event.status.toUpperCase()} in ${seconds(event.durationMs)} (exit ${event.exitCode})`);
      break;
    default:
      break;
  }
}
