#!/usr/bin/env node
// analysis.mjs — run a canary analysis (an Argo Rollouts-style AnalysisTemplate, see lib/analysis.mjs)
// against Prometheus, and say Successful, Failed or Inconclusive.
//
//   analysis.mjs --template FILE [--arg NAME=VALUE]... [--prometheus URL] [--json FILE] [--check]
//
// --prometheus defaults to http://127.0.0.1:$PROM_PORT (the sandbox's). --check only checks the template and
// its arguments (and, when Prometheus answers, that every metric a query names has been scraped), then exits.
// Each measurement is printed as it is taken; the last lines are ANALYSIS_PHASE=… and ANALYSIS_REASON=….
// Exit: 0 Successful (or --check passed), 1 Failed, 3 Inconclusive (too few samples, no data — never a
// pass), 2 invalid template, condition, argument or unknown metric, 4 Prometheus unreachable or refused a query.
import { writeFileSync } from 'node:fs';
import { AnalysisError, EXIT, checkMetricsKnown, describe, loadTemplate, prepareTemplate, prometheus, prometheusUrl, runAnalysis } from './lib/analysis.mjs';

function parse(argv) {
  const options = { args: {} };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--check') options.check = true;
    else if (['--template', '--prometheus', '--json'].includes(flag) && argv[i + 1] !== undefined) options[flag.slice(2)] = argv[++i];
    else if (flag === '--arg' && /^[^=]+=/.test(argv[i + 1] ?? '')) {
      const [name, ...value] = argv[++i].split('=');
      options.args[name] = value.join('=');
    } else throw new AnalysisError(`unknown or incomplete option "${flag}"; usage: analysis.mjs --template FILE [--arg NAME=VALUE]... [--prometheus URL] [--json FILE] [--check]`, 'invalid');
  }
  if (!options.template) throw new AnalysisError('--template FILE is required', 'invalid');
  return options;
}

async function main() {
  const options = parse(process.argv.slice(2));
  const prepared = prepareTemplate(loadTemplate(options.template), options.args);
  const client = prometheus(prometheusUrl(options.prometheus));
  if (options.check) {
    try {
      await checkMetricsKnown(prepared, client);
    } catch (error) {
      if (error.code !== 'prometheus') throw error;
      console.error(`analysis: Prometheus not reachable, metric names not checked (${error.message})`);
    }
    console.log(`analysis: template ${options.template} is valid: ${prepared.metrics.length} metrics, ${prepared.count} × ${prepared.interval}`);
    return 0;
  }
  await checkMetricsKnown(prepared, client);
  const result = await runAnalysis(prepared, client, { onMeasurement: (m) => console.error(`analysis: ${describe(m)}`) });
  if (options.json) writeFileSync(options.json, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`ANALYSIS_PHASE=${result.phase}`);
  console.log(`ANALYSIS_REASON=${result.reason}`);
  return EXIT[result.phase];
}

main().then(
  (code) => process.exit(code),
  (error) => {
    if (!(error instanceof AnalysisError)) throw error;
    console.error(`analysis: ${error.message}`);
    process.exit(EXIT[error.code] ?? 2);
  },
);
