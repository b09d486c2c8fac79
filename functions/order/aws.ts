import { createAwsHandler } from '#platform/aws-entry';
import { awsDeps } from '#wiring/aws';
import { orderModule } from './module.ts';

/** Lambda entry of the order function (HTTP API routes and scheduled jobs). */
export const handler = createAwsHandler(orderModule, awsDeps());
