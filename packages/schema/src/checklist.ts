import { z } from 'zod';
import { durationSchema } from './duration.js';

/** The YAML frontmatter of a readiness checklist. */
export const checklistFrontmatterShape = {
  /** The checklist's name. */
  title: z.string().trim().min(1),
  /** The go/no-go gate this checklist decides, e.g. `production-launch`. */
  gate: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'gate must be a lower-kebab-case name such as production-launch'),
  /** Who answers for the gate's decision. */
  owner: z.string().min(1),
  description: z.string().optional(),
  tags: z.array(z.string()).default([]),
  /** Default maximum age of run evidence for `evidence` and `measure` checks, e.g. `7d`. */
  'max-age': durationSchema.optional(),
  /**
   * Whether a plain-text `— signed: name (role) date` counts as a sign-off. By default only sign-offs
   * signed with a key (`readybook signoff`) listed in evidence/allowed_signers count.
   */
  'unsigned-signoffs': z.boolean().default(false),
} as const;

export const checklistFrontmatterSchema = z.strictObject(checklistFrontmatterShape);
export type ChecklistFrontmatter = z.output<typeof checklistFrontmatterSchema>;

/** Kinds of automated check an item can carry. Items without one are `manual`. */
export const checkKindSchema = z.enum(['evidence', 'measure', 'command', 'manual']);
export type CheckKind = z.infer<typeof checkKindSchema>;

export const comparatorSchema = z.enum(['<', '<=', '>', '>=', '==', '!=']);
export type Comparator = z.infer<typeof comparatorSchema>;

const runbookId = z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'a runbook id is the runbook file name without .md');

/** Options common to every check: `advisory` items never block the gate. */
const common = {
  /** Advisory items are reported but never block the gate. */
  advisory: z.boolean().default(false),
};

/** The runbook has a passing run within `within` (default: the checklist's `max-age`, else 7d). */
export const evidenceCheckSchema = z.strictObject({
  kind: z.literal('evidence'),
  runbook: runbookId,
  within: durationSchema.optional(),
  ...common,
});

/**
 * A trend: the limit is the median of the output over the `runs` passing runs before the latest one,
 * moved by `percent` (`median + 10%` → percent 10). Fewer earlier runs than `runs` is inconclusive.
 */
export const baselineSchema = z.strictObject({
  stat: z.literal('median'),
  runs: z.int().min(1).max(50),
  percent: z.number().min(-100).max(1000),
});
export type Baseline = z.output<typeof baselineSchema>;

/**
 * An output of the runbook's latest passing run compared with a fixed `threshold`, or with a `baseline`
 * computed from the runs before it (exactly one of the two).
 */
export const measureCheckSchema = z
  .strictObject({
    kind: z.literal('measure'),
    runbook: runbookId,
    output: z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'an output name is UPPER_SNAKE_CASE'),
    op: comparatorSchema,
    threshold: z.number().optional(),
    baseline: baselineSchema.optional(),
    within: durationSchema.optional(),
    ...common,
  })
  .refine((m) => (m.threshold === undefined) !== (m.baseline === undefined), 'a measure compares with a number or with a baseline (median), not both and not neither');

/** A shell command that must exit 0 within `timeout` (default 5m). */
export const commandCheckSchema = z.strictObject({
  kind: z.literal('command'),
  command: z.string().min(1),
  timeout: durationSchema.optional(),
  ...common,
});

/** A box a person ticks. `role` names the sign-off role required; a tick records who and when. */
export const manualCheckSchema = z.strictObject({
  kind: z.literal('manual'),
  role: z.string().optional(),
  ...common,
});

export const checkSchema = z.discriminatedUnion('kind', [evidenceCheckSchema, measureCheckSchema, commandCheckSchema, manualCheckSchema]);
export type Check = z.output<typeof checkSchema>;
