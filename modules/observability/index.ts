export { AlarmTopic, cloudWatchAlarmsKeyStatement, type AlarmTopicProps } from './alarm-topic';
export { WorkloadAlarms, dashboardBody, type WorkloadAlarmsProps } from './workload-alarms';
export type { AlarmSpec, EventRuleRef, MetricRef, S3ReplicationRef } from './metrics';
