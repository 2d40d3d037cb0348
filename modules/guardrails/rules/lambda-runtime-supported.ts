import type { Rule } from '../types';

/**
 * Runtimes AWS supports with security patches, and that the bundles target.
 * nodejs20.x is left out: AWS deprecates it on 2026-04-30, after which it gets no patches.
 */
export const SUPPORTED_RUNTIMES = ['nodejs22.x', 'nodejs24.x'] as const;

/** F-16: functions run on a supported runtime (container images carry their own). */
export const lambdaRuntimeSupported: Rule = {
  id: 'lambda-runtime-supported',
  description: `Lambda functions use a supported runtime (${SUPPORTED_RUNTIMES.join(', ')})`,
  failures: ['F-16'],
  appliesTo: ['aws_lambda_function'],
  fix: `set runtime to one of ${SUPPORTED_RUNTIMES.join(', ')} and bundle for that Node.js version`,
  check(b) {
    if (b.config.package_type === 'Image') return [];
    const runtime = b.config.runtime;
    return typeof runtime === 'string' && (SUPPORTED_RUNTIMES as readonly string[]).includes(runtime) ? [] : [{ message: `runtime ${JSON.stringify(runtime)} is not supported` }];
  },
};
