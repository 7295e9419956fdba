import { z } from 'zod';
import { durationSchema } from './duration.js';

/** The roles a fenced block can play in a step, named by a word in its info string. */
export const blockRoleSchema = z.enum(['run', 'verify', 'rollback']);
export type BlockRole = z.infer<typeof blockRoleSchema>;

/** Languages the engine executes. `sh`/`bash` run in bash with `set -euo pipefail`; `js` runs as a zx script. */
export const blockLangSchema = z.enum(['sh', 'bash', 'js']);
export type BlockLang = z.infer<typeof blockLangSchema>;

/** A background block's name: lower-case words joined by `-` or `_`. */
export const BACKGROUND_NAME = /^[a-z][a-z0-9_-]{0,39}$/;

/**
 * Options written as `key=value` after the role word in a block's info string,
 * e.g. ```` ```sh run timeout=10m retries=2 ````.
 */
export const blockOptionsSchema = z.strictObject({
  /** Kill the block's whole process tree after this long. Default 30m for run blocks, 5m for verify and rollback. */
  timeout: durationSchema.optional(),
  /** Extra attempts after a failed run (0–20). Only `run` blocks retry. */
  // Digits only: coercion would take `retries=` as 0 and `retries=0x10` or `retries=1e1` as numbers.
  retries: z.string().regex(/^\d+$/).transform(Number).pipe(z.number().int().min(0).max(20)).optional(),
  /** Wait between attempts. Default 1s. */
  delay: durationSchema.optional(),
  /**
   * Run blocks only: start the block and go on while it keeps running (a load generator during a
   * deploy). The value names it for `await=` and `stop=` in later steps; the engine stops it at
   * run end, on a failure before rolling back, and on interrupt.
   */
  background: z.string().regex(BACKGROUND_NAME).optional(),
  /** Before this block runs, wait for the named background block to end by itself (within its timeout); a failure fails this step. */
  await: z.string().regex(BACKGROUND_NAME).optional(),
  /** Before this block runs, stop the named background block (SIGTERM to its process group) and record how it ended. */
  stop: z.string().regex(BACKGROUND_NAME).optional(),
});
export type BlockOptions = z.output<typeof blockOptionsSchema>;

export const DEFAULT_TIMEOUT_MS: Record<BlockRole, number> = {
  run: 30 * 60_000,
  verify: 5 * 60_000,
  rollback: 5 * 60_000,
};
export const DEFAULT_RETRY_DELAY_MS = 1_000;
