import { createAwsHandler } from '#platform/aws-entry';
import { awsDeps } from '#wiring/aws';
import { devModule } from './module.ts';

/** Lambda entry of the dev function (HTTP API routes and scheduled jobs). */
export const handler = createAwsHandler(devModule, awsDeps());
