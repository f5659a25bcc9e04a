/**
 * A real HTTP server on loopback that takes webhook POSTs (node:http): records each request's
 * method, path, headers and JSON body; can be told to answer with an error status.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedPost {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Record<string, unknown>;
}

export interface TestHttpReceiver {
  readonly url: string;
  readonly posts: ReceivedPost[];
  /** The status to answer with (200 by default). */
  status: number;
  close(): Promise<void>;
}

export async function startHttpReceiver(path = '/hooks/rostersync-T0KEN'): Promise<TestHttpReceiver> {
  const posts: ReceivedPost[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(text) as Record<string, unknown>;
      } catch {
        body = { unparsed: text };
      }
      posts.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
      res.statusCode = receiver.status;
      res.end(receiver.status < 300 ? 'ok' : 'receiver refused');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const receiver: TestHttpReceiver = {
    url: `http://127.0.0.1:${port}${path}`,
    posts,
    status: 200,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  return receiver;
}
