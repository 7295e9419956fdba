import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { contentRootFrom, readybookHomeFrom, repoRoot } from './paths';

describe('content root', () => {
  it('is the repository root unless READYBOOK_CONTENT_ROOT says otherwise', () => {
    expect(contentRootFrom({})).toBe(repoRoot);
    expect(contentRootFrom({ READYBOOK_CONTENT_ROOT: '  ' })).toBe(repoRoot);
    expect(contentRootFrom({ READYBOOK_CONTENT_ROOT: '/tmp/generated' })).toBe('/tmp/generated');
    expect(contentRootFrom({ READYBOOK_CONTENT_ROOT: 'bench/content' })).toBe(path.join(repoRoot, 'bench/content'));
  });

  it('reads local runs from READYBOOK_HOME, else <repo>/.readybook', () => {
    expect(readybookHomeFrom({})).toBe(path.join(repoRoot, '.readybook'));
    expect(readybookHomeFrom({ READYBOOK_HOME: '/srv/rb' })).toBe('/srv/rb');
  });
});
