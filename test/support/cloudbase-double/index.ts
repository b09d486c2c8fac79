import { DocumentBackend, PlatformError, type Doc } from './backend.ts';
import { loadCollections, saveCollection } from './persistence.ts';
import { Db, EJSON, nodeSdk, wxServerSdk } from './sdk.ts';

export { DocumentBackend, PlatformError, MAX_LIMIT, type Doc } from './backend.ts';

/**
 * An in-memory CloudBase document database behind the REAL SDK. @cloudbase/database builds
 * every request (queries and commands serialised as EJSON, transactions) and hands it to the
 * class installed as `Db.reqClass`; the double installs its own there, so only the server is
 * simulated. Requests are routed by environment id, so several doubles can live in one
 * process and an environment without a double still reaches the real requester.
 *
 * Tests and local tooling only: nothing under shared/ or functions/ may import it.
 */
export interface CloudbaseDouble {
  /** The environment id the double answers for. */
  env: string;
  /** `tcb.init({ env }).database()` of @cloudbase/node-sdk, answered by the double. */
  db: any;
  backend: DocumentBackend;
  /** `cloud.database()` of wx-server-sdk for the same environment. */
  wxDatabase(): any;
  /** (Re)asserts the hook on `Db.reqClass`; idempotent. */
  install(): void;
  /** Stops answering for this environment; the hook goes away with the last double. */
  uninstall(): void;
  /** Removes every document (collections stay). */
  reset(): void;
  /** Every collection's documents, as plain values. */
  dump(): Record<string, Record<string, unknown>[]>;
  /** Runs `hook` before each request reaches the backend (fault injection). Returns its removal. */
  intercept(hook: Interceptor): () => void;
}

export type Interceptor = (action: string, params: Record<string, any>) => void | Promise<void>;

export interface DoubleOptions {
  /** Environment id; default a fresh `local-double-<n>`. */
  env?: string;
  /** Keep the documents in `<persistDir>/<collection>.json` across processes. */
  persistDir?: string;
  /** Collections that exist from the start (the platform refuses others unless created). */
  collections?: readonly string[];
  /** Refuse requests on collections that were never created (default true, as the platform). */
  strictCollections?: boolean;
}

interface Registered {
  backend: DocumentBackend;
  interceptors: Set<Interceptor>;
}

const registry = new Map<string, Registered>();
let counter = 0;
let installed = false;
/** The requester the SDK itself installed (its HTTP client), for environments without a double. */
let realRequester: (new (config: unknown) => { send(...args: unknown[]): Promise<unknown> }) | undefined;

/** Shaped like node-sdk's TcbError: what a failed request throws unless `throwOnCode` is false. */
class TcbError extends Error {
  constructor(readonly code: string, message: string, readonly requestId: string) {
    super(message);
    this.name = 'TcbError';
  }
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** What the SDK instantiates for each request: `new Db.reqClass(config).send(action, params)`. */
class DoubleRequester {
  constructor(private readonly config: { envName?: string; env?: string; throwOnCode?: boolean } = {}) {}

  async send(action: string, params: Record<string, any> = {}, ...rest: unknown[]): Promise<unknown> {
    const env = this.config.envName ?? this.config.env ?? '';
    const target = registry.get(env);
    if (!target) {
      if (!realRequester) throw new Error(`no CloudBase double answers for environment "${env}"`);
      return new realRequester(this.config).send(action, params, ...rest);
    }
    await nextTurn(); // a network hop: concurrent requests interleave as they would
    for (const hook of target.interceptors) await hook(action, params);
    let body: Record<string, unknown>;
    try {
      body = target.backend.handle(action, params);
    } catch (e) {
      if (!(e instanceof PlatformError)) throw e;
      body = { code: e.code, message: e.message, requestId: `double-${action}` };
    }
    // node-sdk throws error bodies; wx-server-sdk configures it (throwOnCode: false) to return them.
    if (body.code && this.config.throwOnCode !== false) throw new TcbError(String(body.code), String(body.message), String(body.requestId));
    return body;
  }
}

function install(): void {
  if (installed) return;
  realRequester = (Db as any).reqClass;
  // node-sdk assigns its own requester on every `database()` call; keep it as the fallback.
  Object.defineProperty(Db, 'reqClass', {
    configurable: true,
    enumerable: true,
    get: () => DoubleRequester,
    set: (value) => {
      if (value !== DoubleRequester) realRequester = value;
    },
  });
  installed = true;
}

function uninstallIfIdle(): void {
  if (!installed || registry.size > 0) return;
  Object.defineProperty(Db, 'reqClass', { value: realRequester, writable: true, configurable: true, enumerable: true });
  installed = false;
}

/** Creates a double answering for a new environment, and the real SDK's database for it. */
export function createCloudbaseDouble(options: DoubleOptions = {}): CloudbaseDouble {
  const env = options.env ?? `local-double-${process.pid}-${counter++}`;
  if (registry.has(env)) throw new Error(`a CloudBase double already answers for environment "${env}"`);
  const { persistDir } = options;
  const backend = new DocumentBackend({
    strictCollections: options.strictCollections,
    onCommit: persistDir ? (names) => names.forEach((n) => saveCollection(persistDir, n, backend.collections.get(n)!)) : undefined,
  });
  if (persistDir) for (const [name, docs] of loadCollections(persistDir)) backend.collections.set(name, docs);
  for (const name of options.collections ?? []) if (!backend.collections.has(name)) backend.addCollection(name);
  const entry: Registered = { backend, interceptors: new Set() };
  registry.set(env, entry);
  install();
  const db = nodeSdk().init({ env }).database();

  return {
    env,
    db,
    backend,
    wxDatabase() {
      const cloud = wxServerSdk();
      cloud.init({ env });
      return cloud.database({ env });
    },
    install() {
      registry.set(env, entry);
      install();
    },
    uninstall() {
      registry.delete(env);
      uninstallIfIdle();
    },
    reset() {
      backend.reset();
      if (persistDir) for (const [name, docs] of backend.collections) saveCollection(persistDir, name, docs);
    },
    dump() {
      return Object.fromEntries(
        [...backend.collections].map(([name, docs]) => [name, [...docs.values()].map((d: Doc) => EJSON.deserialize(EJSON.serialize(d)))]),
      );
    },
    intercept(hook) {
      entry.interceptors.add(hook);
      return () => entry.interceptors.delete(hook);
    },
  };
}
