/**
 * The merchant console on the local stack: builds console/ into dist/console when it is not
 * built yet, and serves it from a tiny static server. index.html gets the API's URL injected
 * (`window.GROUPBUY_API_BASE`), so one build works whatever port the stack runs on; a deployed
 * build takes it from VITE_API_BASE at build time instead.
 */
import { createServer, type Server } from 'node:http';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { extname, join, normalize, resolve } from 'node:path';

/** CONSOLE_DIR: another build's folder (the browser tests build into their own, as `npm run build` empties dist/). */
const ROOT = resolve(process.env.CONSOLE_DIR ?? 'dist/console');
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
};

/** Builds the console when dist/console has no index.html (or CONSOLE_BUILD=1); false when it cannot. */
export function ensureConsoleBuilt(log: (s: string) => void = console.log): boolean {
  if (existsSync(join(ROOT, 'index.html')) && process.env.CONSOLE_BUILD !== '1') return true;
  if (!existsSync('console/node_modules')) {
    log('console/node_modules is missing (run npm install at the root): the console is not served');
    return false;
  }
  log('building the merchant console (console/ → dist/console)…');
  const r = spawnSync('npm', ['--prefix', 'console', 'run', 'build'], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) {
    log(`the console build failed:\n${(r.stderr || r.stdout).slice(-2000)}`);
    return false;
  }
  return true;
}

/** Serves dist/console on `port` (taken: any free port); resolves with the server and its URL. */
export function serveConsole(port: number, apiBase: string): Promise<{ server: Server; url: string }> {
  const index = () => readFileSync(join(ROOT, 'index.html'), 'utf8').replace('<head>', `<head>\n    <script>window.GROUPBUY_API_BASE = ${JSON.stringify(apiBase)};</script>`);
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = normalize(join(ROOT, path));
    if (!file.startsWith(ROOT)) {
      res.writeHead(403).end();
      return;
    }
    if (path === '/' || path === '/index.html' || !existsSync(file) || !statSync(file).isFile()) {
      if (extname(path) && path !== '/index.html') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      res.writeHead(200, { 'content-type': TYPES['.html']!, 'cache-control': 'no-cache' }).end(index());
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache' });
    res.end(readFileSync(file));
  });
  const listen = (p: number) =>
    new Promise<number>((ok, fail) => {
      server.once('error', fail);
      server.listen(p, () => {
        server.off('error', fail);
        ok((server.address() as { port: number }).port);
      });
    });
  return listen(port)
    .catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'EADDRINUSE') throw e;
      return listen(0);
    })
    .then((p) => ({ server, url: `http://localhost:${p}` }));
}
