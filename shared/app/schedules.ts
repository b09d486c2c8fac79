/**
 * When each job runs (API.md "Scheduled jobs"), Asia/Shanghai, in both clouds' syntax:
 * EventBridge Scheduler cron (with `timezone`) and CloudBase's 7-field timer cron. Jobs work
 * out what is due from data, so a late or missed trigger is caught up by the next one.
 */
export const SCHEDULES = {
  cutoff: { fn: 'cutoff', aws: 'cron(0 22 * * ? *)', cloudbase: '0 0 22 * * * *' },
  expire: { fn: 'order', aws: 'rate(5 minutes)', cloudbase: '0 */5 * * * * *' },
  notify: { fn: 'notify', aws: 'rate(1 minute)', cloudbase: '0 * * * * * *' },
  overdue: { fn: 'verify', aws: 'cron(0 3 * * ? *)', cloudbase: '0 0 3 * * * *' },
  settle: { fn: 'settle', aws: 'cron(0 2 * * ? *)', cloudbase: '0 0 2 * * * *' },
} as const;

export type JobName = keyof typeof SCHEDULES;
