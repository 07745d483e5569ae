import http from "node:http";

/**
 * A lean keep-alive HTTP client for load generation: fetch() costs several hundred microseconds
 * of client CPU per request, which on a 2-core machine would be measured as server time.
 */
export function createClient(baseUrl: string, connections: number) {
  const url = new URL(baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  return {
    request(
      method: string,
      path: string,
      headers: Record<string, string>,
      body?: string | Buffer,
    ): Promise<{ status: number; body: string }> {
      return new Promise((resolve, reject) => {
        const req = http.request(
          {
            host: url.hostname,
            port: url.port,
            method,
            path,
            agent,
            headers: body ? { ...headers, "content-length": Buffer.byteLength(body) } : headers,
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
            res.on("error", reject);
          },
        );
        req.on("error", reject);
        req.end(body);
      });
    },
    close: () => agent.destroy(),
  };
}
