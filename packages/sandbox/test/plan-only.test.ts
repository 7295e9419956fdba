import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { engineBuilt, REPO, RUNBOOKS } from './helpers.js';

// The cluster and Docker runbooks are `ci: plan`: CI has no cluster and no Docker engine, so it only
// validates and plans them. These tests are exactly that check.
const PLANS: Record<string, string[]> = {
  'k8s-deploy': ['DEPLOYMENT=web', 'CONTAINER=web', 'IMAGE=registry.example.com/web:1.4.2'],
  'k8s-rollback': ['DEPLOYMENT=web', 'TO_REVISION=3'],
  'compose-deploy': ['SERVICE=web', 'IMAGE_TAG=1.4.2', 'HEALTH_URL=http://127.0.0.1:8080/health'],
};

function readybook(args: string[]) {
  if (!engineBuilt()) throw new Error('the engine is not built: run `pnpm build` at the repository root first');
  return spawnSync(process.execPath, [join(REPO, 'packages/engine/bin/readybook.js'), ...args], { cwd: REPO, encoding: 'utf8' });
}

describe.each(Object.entries(PLANS))('%s', (name, params) => {
  const file = join(RUNBOOKS, `${name}.md`);

  it('validates', () => {
    const result = readybook(['validate', file]);
    expect(result.status, result.stdout + result.stderr).toBe(0);
  });

  it('plans, and says CI only plans it', () => {
    const result = readybook(['plan', file, ...params.flatMap((param) => ['--param', param])]);
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/CI only validates and plans/);
  });
});
