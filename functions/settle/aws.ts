import { createAwsHandler } from '#platform/aws-entry';
import { awsDeps } from '#wiring/aws';
import { settleModule } from './module.ts';

/** Lambda entry of the settle function (HTTP API routes and scheduled jobs). */
export const handler = createAwsHandler(settleModule, awsDeps());
