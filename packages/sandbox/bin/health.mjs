#!/usr/bin/env node
// health.mjs [SECONDS] [--version V] — wait up to SECONDS (default 30) for GET /health to answer 200,
// and, with --version, for the answer to come from release V. Exit 0 healthy, 1 not healthy in time.
import { fail, parseArgs, request } from './lib/env.mjs';

const { options, positional } = parseArgs(process.argv.slice(2));
const seconds = Number(positional[0] ?? 30);
if (!Number.isFinite(seconds) || seconds <= 0) fail(`SECONDS must be a positive number, got ${positional[0]}`, 2);

const started = Date.now();
let last = 'no answer yet';
while (Date.now() - started < seconds * 1_000) {
  const res = await request('GET', '/health');
  if (res.status === 200 && (!options.version || res.body?.version === options.version)) {
    console.log(`healthy: version ${res.body?.version} after ${((Date.now() - started) / 1_000).toFixed(2)}s`);
    process.exit(0);
  }
  last = res.status === 0 ? `no connection (${res.error})` : `HTTP ${res.status} ${res.text}`;
  await new Promise((resolve) => setTimeout(resolve, 250));
}
fail(`not healthy after ${seconds}s${options.version ? ` (waiting for version ${options.version})` : ''}; last answer: ${last}`);
