import { describe, expect, it } from 'vitest';
import { cleanLine, cleanLines, fit } from './terminal-text.js';

describe('terminal text', () => {
  it('keeps what a terminal would show after carriage returns', () => {
    expect(cleanLine('downloading  10%\rdownloading  55%\rdownloading 100%')).toBe('downloading 100%');
    expect(cleanLine('done\r')).toBe('done');
  });

  it('drops colours, title changes, cursor moves and bells', () => {
    expect(cleanLine('\u001b[31mred\u001b[0m \u001b]0;evil title\u0007ok\u0007 \u001b[2K\u001b[1Ahere')).toBe('red ok here');
    expect(cleanLines('a\n\n\u001b[32m\u001b[0m\nb\n')).toEqual(['a', 'b']);
  });

  it('fits a line to a width, by character', () => {
    expect(fit('abcdef', 4)).toBe('abc…');
    expect(fit('äöü', 3)).toBe('äöü');
    expect(fit('abc', 0)).toBe('');
  });
});
