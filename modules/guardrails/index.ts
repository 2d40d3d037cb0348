export * from './types';
export { Guardrails } from './guardrails';
export { checkStack, stackView, SUPPRESSIONS_KEY, SUPPRESSION_UNKNOWN_RULE, SUPPRESSION_WITHOUT_REASON } from './engine';
export { PAYMENTS_RULE_PACK, type RulePack } from './pack';
export { organisationOf } from './organisation';
export { combine, formatReport, summaryLine } from './report';
export { TELEMETRY_ACTIONS } from './telemetry-actions';
