import { describe, expect, it } from 'vitest';
import type { Root } from 'hast';
import { rehypeBaseLinks } from './markdown';
import { runCommand } from './command';

function tree(hrefs: string[]): Root {
  return {
    type: 'root',
    children: hrefs.map((href) => ({ type: 'element', tagName: 'a', properties: { href }, children: [] })),
  };
}

const hrefsOf = (root: Root) => root.children.map((child) => (child.type === 'element' ? child.properties['href'] : undefined));

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
