import type { Rule } from '../types';

/**
 * F-14/F-18: a function URL with `authorization_type = NONE` is a public HTTPS endpoint that
 * runs the function for anyone on the internet, outside the API's authentication, throttling
 * and request validation. Functions are reached through the API or the state machine.
 */
export const lambdaUrlIamAuth: Rule = {
  id: 'lambda-url-iam-auth',
  description: 'Lambda function URLs require IAM authentication',
  failures: ['F-14', 'F-18'],
  appliesTo: ['aws_lambda_function_url'],
  fix: 'remove the function URL and call the function through the payments API, or set authorization_type = "AWS_IAM"',
  check(b) {
    return b.config.authorization_type === 'AWS_IAM'
      ? []
      : [{ message: `function URL has authorization_type ${JSON.stringify(b.config.authorization_type ?? 'unset')}: anyone on the internet can invoke the function` }];
  },
};
