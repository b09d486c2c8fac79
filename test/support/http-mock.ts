import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HttpMock {
  /** `http://127.0.0.1:<port>`: pass it as the adapter's base URL or endpoint. */
  url: string;
  close(): Promise<void>;
}

/**
 * The one style of HTTP mock in the tests: a local stand-in for an outside API (WeChat,
 * WeChat Pay, SSM…), a node:http server on a free port that answers each request with
 * `handle` — a Fetch-style handler, `Request` in, `Response` out — so the adapter under test
 * makes real HTTP calls and never reaches the internet.
 */
export async function startHttpMock(handle: (request: Request) => Response | Promise<Response>): Promise<HttpMock> {
  const server = createServer(async (req, res) => {
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = chunks.length && req.method !== 'GET' && req.method !== 'HEAD' ? Buffer.concat(chunks) : undefined;
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
      const response = await handle(new Request(`http://${req.headers.host}${req.url}`, { method: req.method, headers, body }));
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(Buffer.from(await response.arrayBuffer()));
    } catch (e) {
      res.writeHead(500).end(String(e));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A JSON response, as the mocks answer. */
export const json = (body: unknown, init: { status?: number; headers?: Record<string, string> } = {}) =>
  new Response(JSON.stringify(body), { status: init.status ?? 200, headers: { 'content-type': 'application/json', ...init.headers } });
