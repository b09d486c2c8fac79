import { createAwsHandler } from '#platform/aws-entry';
import { awsDeps } from '#wiring/aws';
import { notifyModule } from './module.ts';

/** Lambda entry of the notify function (HTTP API routes and scheduled jobs). */
export const handler = createAwsHandler(notifyModule, awsDeps());
