import type { FunctionModule } from './command.ts';
import { createCloudMain } from './cloudbase.ts';
import { cloudbaseDeps, cloudOpenid, cloudPlatform } from './cloudbase-runtime.ts';

/** `exports.main` of a CloudBase function: actions from the mini-program and timer triggers. */
export function createCloudbaseMain(mod: FunctionModule) {
  const getDeps = cloudbaseDeps();
  const main = createCloudMain(mod, getDeps, () => cloudOpenid());
  return async (event: unknown, context: unknown) => {
    await cloudPlatform();
    return main(event, context);
  };
}
