import { z } from 'zod';

/**
 * The run record: what the engine writes for every run (journal events, report.json) and what
 * `readybook evidence add` commits (evidence/runs/<runbook-id>/<run-id>.json), read by the checklist
 * evaluator, `runs`, `report` and the docs site through one reader (the engine's record/read.ts).
 * A format change breaks here, loudly, in one place.
 */

/** `20261124T111502Z-backup-3f9a1c`: start time (UTC), runbook slug, random hex. Safe as a directory name. */
export const RUN_ID_PATTERN = /^[0-9]{8}T[0-9]{6}Z-[a-z0-9-]+$/;
export const runIdSchema = z.string().max(80).regex(RUN_ID_PATTERN, 'not a run id (they look like 20261124T111502Z-backup-3f9a1c)');

/** How a run ended. */
export const runStatusSchema = z.enum(['passed', 'failed', 'rolled-back', 'rollback-failed', 'interrupted', 'internal-error']);
export type RunStatus = z.infer<typeof runStatusSchema>;

/** The runbook a run ran, as `run.start` names it. */
export const runRunbookSchema = z
  .object({
    /** The file name without `.md`. */
    id: z.string().min(1),
    title: z.string(),
    /** The file as given on the command line. */
    path: z.string(),
    /** Where it was found: the absolute path. */
    location: z.string(),
    /** sha256 of the runbook file's bytes. */
    hash: z.string(),
    /** Each step's title and sha256, for evidence identity. */
    stepHashes: z.array(z.object({ index: z.number().int(), title: z.string(), hash: z.string() })).optional(),
    /** True when the working tree had uncommitted changes. */
    dirty: z.boolean().optional(),
    /** The file relative to its repository root, when it is in one. */
    repoPath: z.string().optional(),
    /** The git commit of the repository when the run started. */
    commit: z.string().optional(),
  })
  .loose();

/** One step as the report sums it up. */
export const stepReportSchema = z.object({
  index: z.number().int().min(1),
  title: z.string(),
  status: z.enum(['passed', 'failed', 'skipped', 'not-run']),
  attempts: z.number().int().min(0),
  durationMs: z.number().min(0),
  exitCode: z.number().int().nullable(),
  phase: z.string().nullable(),
  /** The last lines of output (masked). */
  tail: z.string(),
  error: z.string().optional(),
  /** The step's log file, relative to the run directory. */
  log: z.string().nullable(),
});

/** report.json: a run summed up from its journal, secrets already masked. */
export const reportSchema = z
  .object({
    runId: runIdSchema,
    runbook: runRunbookSchema,
    status: runStatusSchema,
    exitCode: z.number().int().nullable(),
    startedAt: z.iso.datetime(),
    endedAt: z.iso.datetime().nullable(),
    durationMs: z.number().min(0).nullable(),
    operator: z.string(),
    host: z.string(),
    node: z.string(),
    params: z.record(z.string(), z.string().nullable()),
    /** What the steps wrote to `$READYBOOK_OUTPUT` (masked). */
    outputs: z.record(z.string(), z.string()),
    steps: z.array(stepReportSchema),
    rollback: z.array(z.object({ index: z.number().int(), title: z.string(), status: z.string(), exitCode: z.number().int().nullable(), durationMs: z.number() })).nullable(),
    resumes: z.array(z.object({ time: z.string(), operator: z.string(), host: z.string(), skipped: z.array(z.number().int()) })),
    failedStep: z.object({ index: z.number().int(), title: z.string() }).optional(),
    error: z.string().optional(),
  })
  .loose();
export type RunReport = z.infer<typeof reportSchema>;

/** The first event of every journal. */
export const runStartEventSchema = z.object({ type: z.literal('run.start'), runId: runIdSchema, time: z.iso.datetime(), runbook: runRunbookSchema }).loose();
/** The last event of a run that ended. */
export const runEndEventSchema = z
  .object({ type: z.literal('run.end'), runId: runIdSchema, time: z.iso.datetime(), status: runStatusSchema, outputs: z.record(z.string(), z.string()) })
  .loose();

/** A checklist evaluation as `readybook check --write` files it (evidence/evaluations/<checklist-id>.json); the fields readers rely on. */
export const evaluationSchema = z
  .object({
    schemaVersion: z.literal(1),
    checklist: z.object({ id: z.string(), file: z.string(), title: z.string(), gate: z.string(), owner: z.string() }).loose(),
    evaluatedAt: z.iso.datetime(),
    expiresAt: z.iso.datetime(),
    verdict: z.enum(['GO', 'NO-GO']),
    requiredCompletion: z.object({ total: z.number(), passing: z.number(), ratio: z.number() }).loose(),
    sections: z.array(z.object({ title: z.string(), items: z.array(z.object({ line: z.number().int(), text: z.string(), status: z.string() }).loose()) }).loose()),
  })
  .loose();

/** The first problem zod found, as `path: message`, for a one-line refusal. */
export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  return `${issue.path.length ? `\`${issue.path.join('.')}\`: ` : ''}${issue.message}`;
}
