import { describe, expect, it } from 'vitest';
import { annotation, escapeData, escapeProperty, workspacePath } from './github.js';

describe('workflow commands', () => {
  it('escape %, CR and LF in the message, and also : and , in properties', () => {
    expect(escapeData('100% done\r\nnext: a,b')).toBe('100%25 done%0D%0Anext: a,b');
    expect(escapeProperty('100% done\r\nnext: a,b')).toBe('100%25 done%0D%0Anext%3A a%2Cb');
    // `%` first: an already-encoded sequence in the text is not decoded by the runner.
    expect(escapeData('%0A')).toBe('%250A');
  });

  it('write ::level props::message on one line', () => {
    expect(annotation('error', 'two\nlines', { file: 'runbooks/a,b.md', line: 3, col: 1, title: 'RB012: dup' })).toBe('::error file=runbooks/a%2Cb.md,line=3,col=1,title=RB012%3A dup::two%0Alines\n');
    expect(annotation('warning', 'plain')).toBe('::warning::plain\n');
    expect(annotation('error', 'x', { title: '', file: undefined })).toBe('::error::x\n');
  });

  it('name files relative to GITHUB_WORKSPACE, else to the working directory', () => {
    expect(workspacePath('runbooks/x.md', '/repo', {})).toBe('runbooks/x.md');
    expect(workspacePath('x.md', '/repo/runbooks', { GITHUB_WORKSPACE: '/repo' })).toBe('runbooks/x.md');
    expect(workspacePath('/elsewhere/x.md', '/repo', { GITHUB_WORKSPACE: '/repo' })).toBe('/elsewhere/x.md');
  });
});
