/**
 * Step output as a person's terminal may show it. A block's bytes go to its log unchanged; what
 * the live view and the human summary print is cleaned first, so a progress bar's `\r`, colours,
 * title changes, bells or cursor moves from a step cannot garble the engine's own lines.
 */

// CSI (ESC [ … final), OSC (ESC ] … BEL or ESC \), other two-byte escapes, and C1 CSI.
const ESCAPES = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[P^_][^\u001b]*\u001b\\|\u001b[@-Z\\-_]|\u009b[0-?]*[ -/]*[@-~]/g;
// Control characters other than tab, line feed and carriage return (handled per line).
const CONTROLS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;

/** One line as a terminal would leave it: the text after its last carriage return, with no control sequences. */
export function cleanLine(line: string): string {
  const plain = line.replace(ESCAPES, '').replace(CONTROLS, '').replace(/\r+$/, '');
  const lastReturn = plain.lastIndexOf('\r');
  return (lastReturn === -1 ? plain : plain.slice(lastReturn + 1)).replace(/\t/g, '  ');
}

/** Cleaned, non-blank lines of a chunk of output. */
export function cleanLines(text: string): string[] {
  return text
    .split('\n')
    .map(cleanLine)
    .filter((l) => l.trim() !== '');
}

/** Cuts `text` to at most `width` characters (by code point), marking the cut with `…`. */
export function fit(text: string, width: number): string {
  const chars = [...text];
  if (width <= 0) return '';
  if (chars.length <= width) return text;
  return `${chars.slice(0, Math.max(0, width - 1)).join('')}…`;
}
