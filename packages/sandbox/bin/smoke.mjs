#!/usr/bin/env node
// smoke.mjs — the smoke test: GET /health is 200, POST /items creates an item, GET /items lists it.
// Exit 0 when all pass, 1 with the first failure.
import { fail, request } from './lib/env.mjs';

function check(name, ok, res) {
  if (!ok) fail(`smoke test failed: ${name} (HTTP ${res.status} ${res.text ?? res.error ?? ''})`);
  console.log(`ok   ${name}`);
}

const health = await request('GET', '/health');
check('GET /health answers 200', health.status === 200, health);

const name = `smoke-${new Date().toISOString()}`;
const created = await request('POST', '/items', { name, created_by: 'smoke-test' });
check('POST /items answers 201 with an id', created.status === 201 && Number.isInteger(created.body?.id), created);

const listed = await request('GET', '/items');
check('GET /items answers 200', listed.status === 200, listed);
check('GET /items lists the new item', (listed.body?.items ?? []).some((item) => item.id === created.body.id && item.name === name), listed);
console.log(`smoke test passed against version ${health.body.version}`);
