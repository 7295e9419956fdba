import { StringDecoder } from 'node:string_decoder';

export const MASK = '***';

/**
 * A secret as tools print it: as is, quoted by bash (`set -x` and `ls` write `'` as `'\''`), and
 * escaped inside a JSON or JS string (`"` as `\"`, a backslash doubled).
 */
function variants(secret: string): string[] {
  return [...new Set([secret, secret.replaceAll("'", "'\\''"), JSON.stringify(secret).slice(1, -1)])];
}

/**
 * Replaces secret values with `***`. Every string that leaves the engine (terminal, journal,
 * reports, logs, `--json`) goes through one Masker.
 */
export class Masker {
  private readonly secrets: string[];

  constructor(secrets: Iterable<string | undefined>) {
    // Longest first, so a secret that contains another is masked whole. Empty values mask nothing.
    this.secrets = [...new Set([...secrets].filter((s): s is string => typeof s === 'string' && s.length > 0).flatMap(variants))].sort((a, b) => b.length - a.length);
  }

  get active(): boolean {
    return this.secrets.length > 0;
  }

  /** Adds a secret discovered later (e.g. an output that contains one). */
  add(secret: string): void {
    if (secret.length === 0) return;
    for (const variant of variants(secret)) if (!this.secrets.includes(variant)) this.secrets.push(variant);
    this.secrets.sort((a, b) => b.length - a.length);
  }

  mask(text: string): string {
    let out = text;
    for (const secret of this.secrets) if (out.includes(secret)) out = out.split(secret).join(MASK);
    return out;
  }

  contains(text: string): boolean {
    return this.secrets.some((secret) => text.includes(secret));
  }

  /** Masks every string in a JSON-like value of content: values and object keys alike. */
  maskDeep<T>(value: T): T {
    if (!this.active) return value;
    if (typeof value === 'string') return this.mask(value) as T;
    if (Array.isArray(value)) return value.map((v) => this.maskDeep(v)) as T;
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [this.mask(k), this.maskDeep(v)])) as T;
    }
    return value;
  }

  /**
   * Masks the fields of an event that carry content from steps, params and outputs, and nothing
   * else: event types, keys, statuses, ids, paths and timings are the engine's own record, and a
   * secret as short as one letter must not rewrite them.
   */
  maskFields<T extends object>(event: T, fields: readonly string[]): T {
    if (!this.active) return event;
    const out = { ...event } as Record<string, unknown>;
    for (const field of fields) if (out[field] !== undefined) out[field] = this.maskDeep(out[field]);
    return out as unknown as T;
  }

  /**
   * A streaming masker for process output: a secret split across two chunks is still masked,
   * because a tail that could be the start of a secret is held back until the next chunk.
   */
  stream(): { write(chunk: Buffer): string; end(): string } {
    const decoder = new StringDecoder('utf8');
    let carry = '';
    return {
      write: (chunk) => {
        const text = carry + decoder.write(chunk);
        if (!this.active) {
          carry = '';
          return text;
        }
        const masked = this.mask(text);
        const hold = this.partialSuffix(masked);
        carry = masked.slice(masked.length - hold);
        return masked.slice(0, masked.length - hold);
      },
      end: () => {
        const rest = this.mask(carry + decoder.end());
        carry = '';
        return rest;
      },
    };
  }

  private partialSuffix(text: string): number {
    let hold = 0;
    for (const secret of this.secrets) {
      for (let j = Math.min(secret.length - 1, text.length); j > hold; j -= 1) {
        if (text.endsWith(secret.slice(0, j))) {
          hold = j;
          break;
        }
      }
    }
    return hold;
  }
}
