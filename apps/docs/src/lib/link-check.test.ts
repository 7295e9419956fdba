import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { brokenLinks } from './link-check';

async function site(pages: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'links-'));
  for (const [rel, html] of Object.entries(pages)) {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), html);
  }
  return dir;
}

describe('brokenLinks', () => {
  it('reports a relative link to a repository file that the site does not publish at that address', async () => {
    const dir = await site({
      'checklists/production-readiness/index.html': '<a href="../decisions/0010-checklist-check-syntax.md">ADR 0010</a>',
      'decisions/0010-checklist-check-syntax/index.html': '<h1 id="top">ADR</h1>',
    });
    expect(brokenLinks(dir)).toEqual(['checklists/production-readiness/index.html: ../decisions/0010-checklist-check-syntax.md (no such page)']);
  });

  it('checks pages, files and #fragments, relative and root-relative, under the base path', async () => {
    const dir = await site({
      'index.html': '<a href="/docs/runbooks/hello/#step-1">ok</a><a href="runbooks/hello/#step-9">bad hash</a><a href="/docs/favicon.svg">file</a>',
      'runbooks/hello/index.html': '<li id="step-1"></li><a href="../../">home</a><a href="/elsewhere/">out</a><a href="https://x.test/">ext</a><a href="#step-1">self</a>',
      'favicon.svg': '<svg/>',
    });
    expect(brokenLinks(dir, '/docs/')).toEqual([
      'index.html: runbooks/hello/#step-9 (no element with id "step-9" on that page)',
      "runbooks/hello/index.html: /elsewhere/ (outside the site's base /docs/)",
    ]);
  });
});
