/** The engine's public API: parse, plan and execute runbooks; read journals and reports. */
export { parseRunbook, parseRunbookFile, type Block, type ParseResult, type Runbook, type Step } from './parse.js';
export { formatDiagnostic, hasErrors, type Diagnostic } from './diagnostics.js';
export { ERRORS, EXIT, EXIT_CODES, ReadybookError, type ErrorCode } from './errors.js';
export { execute, type ExecuteOptions, type ExecuteResult } from './execute.js';
export type { RunEvent, RunStatus, StepStatus } from './events.js';
export { readJournal } from './journal.js';
export { buildPlan, renderPlan, type Plan } from './plan.js';
export { parseParamFlags, resolveParams, type ResolvedParam } from './params.js';
export { buildReport, renderReportMarkdown, type Report } from './report.js';
export { listRunIds, loadReport } from './runs.js';
export { readybookHome } from './home.js';
export { Masker } from './mask.js';
export { runState } from './state.js';
export { gitRoot } from './home.js';
export { repoRootOf } from './repo.js';
export { stepChange, stepHashes, type RunbookIdentity, type StepHash } from './steps-hash.js';
export { loadTrust } from './trust.js';
export { verifyEvidenceFile, verifyRunDir, type Trust, type Verification } from './verify.js';
