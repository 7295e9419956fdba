import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { diagnostic, type Diagnostic } from '../diagnostics.js';

/** Runbooks, checklists and ADRs are documents, not data dumps: refuse anything larger. */
export const MAX_SOURCE_BYTES = 1024 * 1024;

export interface SourceFile {
  text: string;
  hash: string;
}

/**
 * Reads a UTF-8 text file for parsing. Returns a diagnostic instead of throwing for files that are
 * too large, not UTF-8 or unreadable. A leading byte-order mark is dropped.
 */
export function readSource(path: string, displayPath: string): { source?: SourceFile; diagnostics: Diagnostic[] } {
  let bytes: Buffer;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) return { diagnostics: [diagnostic(displayPath, 'RB004', `${displayPath} is not a regular file`, undefined)] };
    if (stat.size > MAX_SOURCE_BYTES) {
      return { diagnostics: [diagnostic(displayPath, 'RB004', `file is ${stat.size} bytes; the limit is ${MAX_SOURCE_BYTES} bytes (1 MiB)`, undefined)] };
    }
    bytes = readFileSync(path);
  } catch (error) {
    return { diagnostics: [diagnostic(displayPath, 'RB004', `cannot read file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, undefined)] };
  }
  return decodeSource(bytes, displayPath);
}

export function decodeSource(bytes: Buffer, displayPath: string): { source?: SourceFile; diagnostics: Diagnostic[] } {
  const hash = createHash('sha256').update(bytes).digest('hex');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const bad = firstInvalidUtf8(bytes);
    const before = bytes.subarray(0, bad);
    let line = 1;
    for (const byte of before) if (byte === 0x0a) line += 1;
    const column = bad - (before.lastIndexOf(0x0a) + 1) + 1;
    return { diagnostics: [diagnostic(displayPath, 'RB004', `file is not valid UTF-8 (byte 0x${bytes[bad]?.toString(16).padStart(2, '0')} at offset ${bad})`, { line, column })] };
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.includes('\0')) {
    const offset = text.indexOf('\0');
    const line = text.slice(0, offset).split('\n').length;
    return { diagnostics: [diagnostic(displayPath, 'RB004', 'file contains a NUL byte; it is not a text file', { line })] };
  }
  return { source: { text, hash }, diagnostics: [] };
}

function firstInvalidUtf8(bytes: Buffer): number {
  let low = 0;
  let high = bytes.length;
  // Binary search for the shortest prefix that fails to decode (allowing for a cut multi-byte tail).
  while (low < high) {
    const mid = (low + high) >> 1;
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, mid + 1), { stream: true });
      low = mid + 1;
    } catch {
      high = mid;
    }
  }
  return Math.min(low, bytes.length - 1);
}
