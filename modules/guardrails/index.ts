export * from './types';
export { Guardrails } from './guardrails';
export { checkStack, stackView, SUPPRESSION_UNKNOWN_RULE, SUPPRESSION_WITHOUT_REASON } from './engine';
export { PAYMENTS_RULE_PACK, type RulePack } from './pack';
export { organisationOf } from './organisation';
export { formatReport } from './report';
export { TELEMETRY_ACTIONS } from './telemetry-actions';
