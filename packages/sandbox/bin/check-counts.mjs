#!/usr/bin/env node
// check-counts.mjs MANIFEST [DATABASE] — compare the row count of every table in a backup's manifest with
// the same table in DATABASE (default $PGDATABASE). Exit 0 when all are equal, 1 otherwise.
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { fail } from './lib/env.mjs';

const [manifestPath, database = process.env.PGDATABASE] = process.argv.slice(2);
if (!manifestPath) fail('usage: check-counts.mjs MANIFEST [DATABASE]', 2);
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));

const client = new pg.Client({ database });
await client.connect();
const mismatches = [];
try {
  for (const [table, expected] of Object.entries(manifest.tables)) {
    const { rows } = await client.query(`SELECT count(*)::int AS n FROM ${client.escapeIdentifier(table)}`).catch((error) => ({ rows: [{ n: `error: ${error.message}` }] }));
    const actual = rows[0].n;
    console.log(`${actual === expected ? 'ok  ' : 'DIFF'} ${table}: ${actual} rows (backup: ${expected})`);
    if (actual !== expected) mismatches.push(table);
  }
} finally {
  await client.end();
}
if (mismatches.length > 0) fail(`row counts in ${database} differ from the backup manifest for: ${mismatches.join(', ')}`);
console.log(`row counts in ${database} match the backup (${Object.keys(manifest.tables).length} tables)`);
