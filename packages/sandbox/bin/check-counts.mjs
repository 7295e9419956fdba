#!/usr/bin/env node
// check-counts.mjs MANIFEST [DATABASE] [--jobs N] — compare the row count of every table in a backup's manifest
// with the same table in DATABASE (default $PGDATABASE), N tables at a time (one connection each; default: the
// CPUs, at most 8). Exit 0 when all are equal, 1 otherwise.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import pg from 'pg';
import { fail, parseArgs } from './lib/env.mjs';

const { options, positional } = parseArgs(process.argv.slice(2));
const [manifestPath, database = process.env.PGDATABASE] = positional;
if (!manifestPath) fail('usage: check-counts.mjs MANIFEST [DATABASE] [--jobs N]', 2);
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
const expected = Object.entries(manifest.tables);
const jobs = Math.max(1, Math.min(expected.length, Number(options.jobs) || Math.min(8, availableParallelism())));

const clients = Array.from({ length: jobs }, () => new pg.Client({ database }));
const actual = {};
try {
  await Promise.all(clients.map((client) => client.connect()));
  const queue = [...expected];
  await Promise.all(
    clients.map(async (client) => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
        const [table] = next;
        const { rows } = await client.query(`SELECT count(*)::int AS n FROM ${client.escapeIdentifier(table)}`).catch((error) => ({ rows: [{ n: `error: ${error.message}` }] }));
        actual[table] = rows[0].n;
      }
    }),
  );
} catch (error) {
  fail(`cannot count the rows in ${database}: ${error.message}`);
} finally {
  await Promise.all(clients.map((client) => client.end().catch(() => {})));
}
const mismatches = [];
for (const [table, count] of expected) {
  console.log(`${actual[table] === count ? 'ok  ' : 'DIFF'} ${table}: ${actual[table]} rows (backup: ${count})`);
  if (actual[table] !== count) mismatches.push(table);
}
if (mismatches.length > 0) fail(`row counts in ${database} differ from the backup manifest for: ${mismatches.join(', ')}`);
console.log(`row counts in ${database} match the backup (${expected.length} tables)`);
