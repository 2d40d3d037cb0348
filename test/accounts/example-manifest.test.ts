import { validateManifest } from '../../accounts/schema';
import { manifest } from '../../accounts/manifest';

describe('the example organisation manifest', () => {
  test('given the checked-in manifest, when validated, then it has no problems', () => {
    const result = validateManifest(manifest);
    expect(result.ok ? [] : result.problems).toEqual([]);
  });
});

describe('the alarms block of a workload', () => {
  const withAlarms = (alarms: unknown) => ({ ...manifest, workloads: manifest.workloads.map((w, i) => (i === 0 ? { ...w, alarms } : w)) });

  test('given no alarms block, when validated, then every threshold has its documented default (F-24)', () => {
    const result = validateManifest(manifest);
    expect(result.ok && result.manifest.workloads[0]!.alarms).toEqual({
      periodSeconds: 300,
      evaluationPeriods: 1,
      apiLatencyP99Ms: 2000,
      api5xxRatePercent: 1,
      lambdaErrors: 0,
      lambdaThrottles: 0,
      failedExecutions: 0,
      dynamodbThrottleEvents: 0,
      replicationLatencyMs: 60000,
      s3FailedReplications: 0,
    });
  });

  test('given a partial block, then the given fields win and the rest default', () => {
    const result = validateManifest(withAlarms({ apiLatencyP99Ms: 900 }));
    expect(result.ok && result.manifest.workloads[0]!.alarms).toMatchObject({ apiLatencyP99Ms: 900, api5xxRatePercent: 1 });
  });

  test('given a latency above the 29 s integration limit, an unknown field and a period that is not a minute multiple, then each is reported with its path (F-23)', () => {
    const result = validateManifest(withAlarms({ apiLatencyP99Ms: 30000, latencyMs: 1, periodSeconds: 90 }));
    expect(result.ok ? [] : result.problems.map((p) => p.path).sort()).toEqual(['workloads[0].alarms', 'workloads[0].alarms.apiLatencyP99Ms', 'workloads[0].alarms.periodSeconds']);
  });
});
