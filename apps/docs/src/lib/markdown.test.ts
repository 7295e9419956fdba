import { describe, expect, it } from 'vitest';
import type { Root } from 'hast';
import { rehypeBaseLinks, rehypeRepoLinks } from './markdown';
import { runCommand } from './command';

function tree(hrefs: string[]): Root {
  return {
    type: 'root',
    children: hrefs.map((href) => ({ type: 'element', tagName: 'a', properties: { href }, children: [] })),
  };
}

const hrefsOf = (root: Root) => root.children.map((child) => (child.type === 'element' ? child.properties.href : undefined));

describe('rehypeBaseLinks', () => {
  it('prefixes root-relative links with the base path only', () => {
    const root = tree(['/runbooks/', 'https://example.com/', '//cdn.example.com/x', '#top', '/readybook/already/']);
    rehypeBaseLinks('/readybook/')(root);
    expect(hrefsOf(root)).toEqual(['/readybook/runbooks/', 'https://example.com/', '//cdn.example.com/x', '#top', '/readybook/already/']);
  });

  it('changes nothing at the root base', () => {
    const root = tree(['/runbooks/']);
    rehypeBaseLinks('/')(root);
    expect(hrefsOf(root)).toEqual(['/runbooks/']);
  });
});

describe('runCommand', () => {
  it('adds a --param for each required param without a default', () => {
    expect(
      runCommand('backup', {
        DATABASE_URL: { type: 'string', required: true, secret: true },
        TARGET: { type: 'enum', values: ['staging', 'production'], required: true, secret: false },
        BACKUP_DIR: { type: 'string', required: true, default: './backups', secret: false },
        VERBOSE: { type: 'boolean', required: false, secret: false },
      }),
    ).toBe('pnpm readybook run backup --param DATABASE_URL=<value> --param TARGET=<staging|production>');
  });
});

describe('rehypeRepoLinks', () => {
  const options = { contentRoot: '/repo', repoUrl: 'https://github.com/o/r' };
  const run = (from: string, hrefs: string[]) => {
    const root = tree(hrefs);
    rehypeRepoLinks(options)(root, { path: from });
    return hrefsOf(root);
  };

  it('points relative links of checklists, runbooks and ADRs at the pages that publish their targets', () => {
    expect(
      run('/repo/checklists/production-readiness.md', [
        '../decisions/0010-checklist-check-syntax.md',
        '../runbooks/dr-drill.md#steps',
        'launch-signoff.md',
        '../README.md',
        '../packages/engine/src/cli.ts',
      ]),
    ).toEqual([
      '/decisions/0010-checklist-check-syntax/',
      '/runbooks/dr-drill/#steps',
      '/checklists/launch-signoff/',
      'https://github.com/o/r/blob/main/README.md',
      'https://github.com/o/r/blob/main/packages/engine/src/cli.ts',
    ]);
    expect(run('/repo/decisions/0004-runbook-format.md', ['0010-checklist-check-syntax.md', '../runbooks/_template.md'])).toEqual([
      '/decisions/0010-checklist-check-syntax/',
      'https://github.com/o/r/blob/main/runbooks/_template.md',
    ]);
  });

  it('leaves absolute, root-relative, fragment and outside-the-repo links, and other files’ links, alone', () => {
    const kept = ['https://example.com/a.md', '/runbooks/', '#top', 'mailto:a@b.c', '../../outside.md'];
    expect(run('/repo/checklists/a.md', kept)).toEqual(kept);
    expect(run('/repo/apps/docs/src/content/docs/guides/x.md', ['../runbook-format/'])).toEqual(['../runbook-format/']);
    expect(run('file:///repo/runbooks/hello.md', ['backup.md'])).toEqual(['/runbooks/backup/']);
  });
});
