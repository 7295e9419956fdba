import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readChecklist, ReadybookError } from '@readybook/engine/checklist';
import { describe, expect, it } from 'vitest';
import { checklistLoader, type ChecklistEntry } from './checklist-loader';
import { fakeContext } from './fake-loader-context';

const good = `---
title: Launch
gate: launch
owner: platform
---

Intro with a [link](https://example.com).

## Recovery

Why recovery matters.

- [ ] Recovery under an hour \`measure: dr-drill RTO_SECONDS < 3600\`
- [x] Reviewed — signed: alice (tech-lead) 2026-11-20 \`manual(role=tech-lead)\`
- [ ] Status page ready \`manual(advisory)\`
`;

async function contentRoot(files: Record<string, string>) {
  const root = await mkdtemp(path.join(tmpdir(), 'content-'));
  await mkdir(path.join(root, 'checklists'));
  await mkdir(path.join(root, 'evidence', 'evaluations'), { recursive: true });
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(root, name), text);
  return root;
}

describe('checklistLoader', () => {
  it("stores the engine's parse, the prose around the items, and no evaluation when none was written", async () => {
    const root = await contentRoot({ 'checklists/launch.md': good });
    const { context, entries } = fakeContext();
    await checklistLoader(root, path.join(root, 'evidence', 'evaluations')).load(context);
    const entry = entries.get('launch') as unknown as ChecklistEntry;
    expect(entry.path).toBe('checklists/launch.md');
    expect(entry.introHtml).toBe('<md>Intro with a [link](https://example.com).</md>');
    expect(entry.evaluation).toBeUndefined();
    const [section] = entry.sections;
    expect(section?.introHtml).toBe('<md>Why recovery matters.</md>');
    expect(section?.items.map((i) => [i.line, i.text, i.check.kind, i.check.advisory, i.signedBy ?? null])).toEqual([
      [13, 'Recovery under an hour', 'measure', false, null],
      [14, 'Reviewed', 'manual', false, 'alice'],
      [15, 'Status page ready', 'manual', true, null],
    ]);
  });

  it('fails the build with the text `readybook check` prints for a checklist the engine rejects', async () => {
    const broken = good.replace('RTO_SECONDS < 3600', 'RTO_SECONDS ~ 3600');
    const root = await contentRoot({ 'checklists/launch.md': good, 'checklists/broken.md': broken });
    const engine = await readChecklist(path.join(root, 'checklists', 'broken.md'), root).catch((error: unknown) => error);
    expect(engine).toBeInstanceOf(ReadybookError);
    const error = engine as ReadybookError;
    expect(error.code).toBe('CL012');
    expect(error.message).toBe('checklists/broken.md is not a valid checklist (1 error); nothing was evaluated');
    expect(error.details[0]).toMatch(/^checklists\/broken\.md:13:\d+: error CL012: /);
    const { context, entries } = fakeContext();
    await expect(checklistLoader(root, path.join(root, 'evidence', 'evaluations')).load(context)).rejects.toThrow(
      `checklists/ has 1 invalid checklist(s):\n${[`${error.code}: ${error.message}`, ...error.details].join('\n')}`,
    );
    expect(entries.size).toBe(0);
  });
});
