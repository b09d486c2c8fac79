import { createAwsHandler } from '#platform/aws-entry';
import { awsDeps } from '#wiring/aws';
import { verifyModule } from './module.ts';

/** Lambda entry of the verify function (HTTP API routes and scheduled jobs). */
export const handler = createAwsHandler(verifyModule, awsDeps());
