export { DURATION_PATTERN, durationSchema, formatDuration, parseDuration } from './duration.js';
export {
  PARAM_NAME_PATTERN,
  RESERVED_ENV_NAMES,
  RESERVED_ENV_PREFIXES,
  RESERVED_PARAM_PREFIXES,
  canonicalParamValue,
  checkParamValue,
  isReservedEnvName,
  paramSchema,
  paramsSchema,
  paramTypeSchema,
  type Param,
  type ParamInput,
  type ParamType,
} from './params.js';
export {
  BACKGROUND_NAME,
  DEFAULT_RETRY_DELAY_MS,
  DEFAULT_TIMEOUT_MS,
  blockLangSchema,
  blockOptionsSchema,
  blockRoleSchema,
  type BlockLang,
  type BlockOptions,
  type BlockRole,
} from './step.js';
export {
  ciModeSchema,
  runbookFrontmatterSchema,
  runbookFrontmatterShape,
  type RunbookFrontmatter,
  type RunbookFrontmatterInput,
} from './runbook.js';
export { adrFrontmatterSchema, adrFrontmatterShape, adrStatusSchema, type AdrFrontmatter, type AdrStatus } from './adr.js';
export {
  checkKindSchema,
  checkSchema,
  checklistFrontmatterSchema,
  checklistFrontmatterShape,
  commandCheckSchema,
  comparatorSchema,
  evidenceCheckSchema,
  manualCheckSchema,
  measureCheckSchema,
  type Check,
  type CheckKind,
  type ChecklistFrontmatter,
  type Comparator,
} from './checklist.js';
export {
  RUN_ID_PATTERN,
  evaluationSchema,
  firstIssue,
  reportSchema,
  runEndEventSchema,
  runIdSchema,
  runRunbookSchema,
  runStartEventSchema,
  runStatusSchema,
  stepReportSchema,
  type RunReport,
  type RunStatus,
} from './record.js';
