import { DocumentBackend, PlatformError, type Doc } from './backend.ts';
import { loadCollections, saveCollection } from './persistence.ts';
import { Db, EJSON, nodeSdk, wxServerSdk } from './sdk.ts';

export { DocumentBackend, PlatformError, MAX_LIMIT, type Doc } from './backend.ts';

/**
 * An in-memory CloudBase document database behind the REAL SDK. @cloudbase/database builds
 * every request (queries and commands serialised as EJSON, transactions) and hands it to the
 * class installed as `Db.reqClass`; the double installs its own there, so only the server is
 * simulated. Requests are routed by environment id, so several doubles can live in one
 * process; a request for an environment without a double is refused, never sent online.
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
  /**
   * Also answer for "the function's own environment" (`tcb.SYMBOL_CURRENT_ENV`,
   * `cloud.DYNAMIC_CURRENT_ENV`, or no env at all), as function code run locally asks for it.
   */
  currentEnv?: boolean;
}

interface Registered {
  backend: DocumentBackend;
  interceptors: Set<Interceptor>;
}

const registry = new Map<string, Registered>();
/** The double answering for the current environment, if one claimed it. */
let current: Registered | undefined;
let counter = 0;
let installed = false;
/** The requester the SDK itself installed (its HTTP client), put back when the last double goes. */
let realRequester: unknown;

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
  constructor(private readonly config: { envName?: string | symbol; env?: string | symbol; throwOnCode?: boolean } = {}) {}

  async send(action: string, params: Record<string, any> = {}): Promise<unknown> {
    const env = this.config.envName ?? this.config.env;
    const target = typeof env === 'string' && env ? registry.get(env) : current;
    // Never fall through to the real service: a test with a wrong env id fails instead of going online.
    if (!target) throw new TcbError('INVALIID_ENV', `no CloudBase double answers for environment ${String(env)}`, `double-${action}`);
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
  // node-sdk assigns its HTTP requester on every `database()` call: keep it aside, answer with ours.
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
  if (options.currentEnv) {
    if (current) throw new Error('another CloudBase double already answers for the current environment');
    current = entry;
  }
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
      if (options.currentEnv) current = entry;
      install();
    },
    uninstall() {
      registry.delete(env);
      if (current === entry) current = undefined;
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
