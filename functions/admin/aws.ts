import { createAwsHandler } from '#platform/aws-entry';
import { awsDeps } from '#wiring/aws';
import { adminModule } from './module.ts';

/** Lambda entry of the admin function (HTTP API routes and scheduled jobs). */
export const handler = createAwsHandler(adminModule, awsDeps());
