import { createAwsHandler } from '#platform/aws-entry';
import { awsDeps } from '#wiring/aws';
import { authModule } from './module.ts';

/** Lambda entry of the auth function (HTTP API routes and scheduled jobs). */
export const handler = createAwsHandler(authModule, awsDeps());
