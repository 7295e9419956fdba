import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { formatDiagnostic, parseRunbook } from '@readybook/engine/parse';
import { describe, expect, it } from 'vitest';
import { fakeContext } from './fake-loader-context';
import { repoRelative } from './paths';
import { runbookLoader, type RunbookEntry } from './runbook-loader';

const good = `---
title: Good
params:
  TARGET:
    type: string
    required: true
---

# Good

Intro.

## Say hello

Prose.

\`\`\`sh run timeout=10s
echo "hello $TARGET"
\`\`\`
`;

describe('runbookLoader', () => {
  it('stores what the engine parsed, with prose rendered by the site pipeline and the intro title dropped', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'runbooks-'));
    await writeFile(path.join(dir, 'good.md'), good);
    const { context, entries } = fakeContext();
    await runbookLoader(dir).load(context);
    const entry = entries.get('good') as unknown as RunbookEntry;
    expect(entry.steps[0]?.run?.options.timeoutMs).toBe(10_000);
    expect(entry.introHtml).toBe('<md>Intro.</md>');
    expect(entry.stepHtml).toEqual(['<md>Prose.</md>']);
    expect(entry.path).toBe(repoRelative(path.join(dir, 'good.md')));
  });

  it("fails with the engine's own file:line:col diagnostics", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'runbooks-'));
    const broken = good.replace('```sh run timeout=10s', '```sh run timeout=soon');
    await writeFile(path.join(dir, 'broken.md'), broken);
    await writeFile(path.join(dir, 'good.md'), good);
    const { diagnostics } = parseRunbook(broken, repoRelative(path.join(dir, 'broken.md')));
    expect(diagnostics.length).toBeGreaterThan(0);
    const { context, entries } = fakeContext();
    await expect(runbookLoader(dir).load(context)).rejects.toThrow(
      `runbooks/ has ${diagnostics.length} problem(s):\n${diagnostics.map((d) => formatDiagnostic(d)).join('\n')}`,
    );
    expect(entries.size).toBe(0);
  });
});
