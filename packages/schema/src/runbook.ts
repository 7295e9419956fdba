import { z } from 'zod';
import { paramsSchema } from './params.js';

/** How CI treats a runbook: `run` executes it; `plan` only validates and plans it (targets CI cannot reach). */
export const ciModeSchema = z.enum(['run', 'plan']);

/** The YAML frontmatter of a runbook. */
export const runbookFrontmatterShape = {
  /** The runbook's name, shown in plans, reports and on the site. */
  title: z.string().trim().min(1, 'title must not be empty'),
  /** One or two sentences: when to use this runbook. */
  description: z.string().optional(),
  /** The team or person who keeps the runbook true. */
  owner: z.string().optional(),
  /** Free-form labels for search and grouping. */
  tags: z.array(z.string()).default([]),
  /** Typed inputs, passed to steps as environment variables. */
  params: paramsSchema.default({}),
  /** Commands that must be on PATH; checked by `plan` and before a run. */
  requires: z.array(z.string().regex(/^[A-Za-z0-9._+-]+$/, 'a required command is a bare program name')).default([]),
  /** `plan` marks a runbook that CI can only validate and plan (no cluster, no Docker engine). */
  ci: ciModeSchema.default('run'),
  /**
   * Set on a runbook that destroys or overwrites something on purpose: one sentence saying what, e.g.
   * `Drops the app database, then restores it from the latest backup.` The site shows it in a danger box at the
   * top of the runbook's page, before the command; the engine does not act on it.
   */
  destructive: z.string().trim().min(1, 'destructive says what the runbook destroys, in a sentence').optional(),
  /**
   * The Prometheus alerts this runbook answers, by `alert:` name, e.g. `[DemoServiceDown]`. `readybook validate`
   * checks each one against the rule files in `monitoring/rules/` (RB064 when no rule has that name) and that
   * each of those alerts' `runbook_url` names this runbook's page; the site lists them on the runbook's page.
   * A runbook written for alerts follows the on-call layout: what the alert means, impact, diagnosis, mitigation.
   */
  alerts: z.array(z.string().regex(/^[A-Za-z_:][A-Za-z0-9_:]*$/, 'an alert name is a Prometheus label value such as DemoServiceDown')).optional(),
  /**
   * Outputs of this runbook published as Prometheus metrics at the end of each run (when READYBOOK_PUSHGATEWAY or
   * READYBOOK_METRICS_TEXTFILE is set), e.g. `[RTO_SECONDS, RPO_SECONDS]`: each becomes
   * `readybook_output_<name in lower case>{runbook="<id>"}`. Only numeric values are published.
   */
  metrics: z.array(z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'a metric output is an output name in upper case, e.g. RTO_SECONDS')).optional(),
  /**
   * Named resources this runbook needs to itself while it runs, e.g. `[db-prod]`: two runs of runbooks that name the
   * same resource exclude each other (the second is refused with exit 4, naming the holder and the resource), in the
   * local file store and in a shared PostgreSQL store (READYBOOK_STORE). A runbook always excludes its own other runs.
   */
  locks: z
    .array(z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'a lock name is lower-case letters, digits, ".", "_" and "-", starting with a letter or digit, at most 63 characters, e.g. db-prod'))
    .refine((names) => new Set(names).size === names.length, 'a lock name is listed twice')
    .default([]),
} as const;

export const runbookFrontmatterSchema = z.strictObject(runbookFrontmatterShape);
export type RunbookFrontmatterInput = z.input<typeof runbookFrontmatterSchema>;
export type RunbookFrontmatter = z.output<typeof runbookFrontmatterSchema>;
