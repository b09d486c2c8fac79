import type { FunctionModule } from '#app/command';
import { cutoffCommands } from '#app/cutoff/commands';
import { cutoffJob } from '#app/cutoff/jobs';

export const cutoffModule: FunctionModule = { name: 'cutoff', commands: cutoffCommands, jobs: [cutoffJob] };
