/** The engine's public API: parse, plan and execute runbooks; read journals and reports. */
export { parseRunbook, parseRunbookFile, type Block, type ParseResult, type Runbook, type Step } from './runbook/parse.js';
export { formatDiagnostic, hasErrors, type Diagnostic } from './diagnostics.js';
export { ERRORS, EXIT, EXIT_CODES, ReadybookError, type ErrorCode } from './errors.js';
export { execute, type ExecuteOptions, type ExecuteResult } from './run/execute.js';
export type { RunEvent, RunStatus, StepStatus } from './record/events.js';
export { readJournal } from './record/journal.js';
export { buildPlan, renderPlan, type Plan } from './runbook/plan.js';
export { parseParamFlags, resolveParams, type ResolvedParam } from './runbook/params.js';
export { buildReport, renderReportMarkdown, type Report } from './record/report.js';
export { listRunIds, loadReport } from './record/runs.js';
export { readybookHome } from './record/home.js';
export { Masker } from './run/mask.js';
export { runState } from './record/state.js';
export { gitRoot } from './record/home.js';
export { repoRootOf } from './record/repo.js';
export { stepChange, stepHashes, type RunbookIdentity, type StepHash } from './runbook/steps-hash.js';
export { loadTrust } from './trust/keys.js';
export { verifyEvidenceFile, verifyRunDir, type Trust, type Verification } from './trust/verify.js';
