/**
 * When each job is woken, in both clouds' syntax: EventBridge Scheduler (with the business
 * time zone) and CloudBase's 7-field timer cron. Every trigger is a heartbeat: the job works
 * out from the data, the clock and the settings what is due (a wave whose cutoff instant has
 * passed, a settlement period whose settle hour has come, the day's overdue run), so a changed
 * cutoff time or settle hour takes effect at the next beat without a redeploy, and a missed or
 * interrupted run is caught up by the next one.
 */
export const SCHEDULES = {
  cutoff: { fn: 'cutoff', aws: 'rate(5 minutes)', cloudbase: '0 */5 * * * * *' },
  expire: { fn: 'order', aws: 'rate(5 minutes)', cloudbase: '0 */5 * * * * *' },
  refunds: { fn: 'order', aws: 'rate(10 minutes)', cloudbase: '0 */10 * * * * *' },
  notify: { fn: 'notify', aws: 'rate(1 minute)', cloudbase: '0 * * * * * *' },
  overdue: { fn: 'verify', aws: 'cron(0 * * * ? *)', cloudbase: '0 0 * * * * *' },
  settle: { fn: 'settle', aws: 'cron(0 * * * ? *)', cloudbase: '0 0 * * * * *' },
  // Records DynamoDB expires by TTL (`expiresAt`) are removed on CloudBase by this job; on AWS it finds nothing to do.
  ttl: { fn: 'notify', aws: 'cron(30 * * * ? *)', cloudbase: '0 30 * * * * *' },
  // Sealed contacts past `contactRetentionDays` are destroyed (shared/app/privacy/retention.ts); hourly, so a run cut short by the auth function's 28 s is caught up.
  retention: { fn: 'auth', aws: 'cron(15 * * * ? *)', cloudbase: '0 15 * * * * *' },
  // Member levels (shared/app/wallet/levels.ts): each month evaluated once, by the first beat of the month (later beats find it done).
  levels: { fn: 'order', aws: 'rate(30 minutes)', cloudbase: '0 */30 * * * * *' },
  // Payment reconciliation of the previous day (shared/app/reconcile), once WeChat Pay's bill is ready (10:00);
  // on CloudBase it shares the settle function's hourly heartbeat and works out itself whether the day is due.
  reconcile: { fn: 'settle', aws: 'cron(0 10 * * ? *)', cloudbase: '0 0 * * * * *' },
} as const;

export type JobName = keyof typeof SCHEDULES;
