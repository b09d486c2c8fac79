import { createAwsHandler } from '#platform/aws-entry';
import { awsDeps } from '#wiring/aws';
import { cutoffModule } from './module.ts';

/** Lambda entry of the cutoff function (HTTP API routes and scheduled jobs). */
export const handler = createAwsHandler(cutoffModule, awsDeps());
