/**
 * A fake OpenAI-compatible chat completions endpoint on 127.0.0.1, so OpenCode runs real turns
 * with no real model. Replies stream as SSE chunks ending with a `usage` chunk, the way
 * `@ai-sdk/openai-compatible` expects; a reply is plain text or one or more tool calls.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

type ToolCall = { name: string; arguments: Record<string, unknown> };
export type ProviderReply = {
  text?: string;
  toolCalls?: ToolCall[];
  usage?: { prompt: number; completion: number };
  /** Pause between text chunks: a slow stream that a test can stop part way. */
  chunkDelayMs?: number;
};
export type ChatRequest = {
  model: string;
  stream?: boolean;
  messages: { role: string; content: unknown; tool_calls?: unknown }[];
  tools?: { function: { name: string } }[];
};
export type Responder = (req: ChatRequest, index: number) => ProviderReply;

export type FakeProvider = {
  baseURL: string;
  requests: ChatRequest[];
  respond: Responder;
  close(): Promise<void>;
};

const DEFAULT_USAGE = { prompt: 120, completion: 30 };

/** OpenCode asks the model for a session title in a separate call; answer it with a fixed title. */
function isTitleRequest(req: ChatRequest): boolean {
  const system = req.messages
    .filter((m) => m.role === "system")
    .map((m) => JSON.stringify(m.content))
    .join(" ");
  return /title/i.test(system) && !(req.tools && req.tools.length > 0);
}

/** The text of the last user message, to script replies by prompt. */
export function lastUserText(req: ChatRequest): string {
  const user = [...req.messages].reverse().find((m) => m.role === "user");
  return typeof user?.content === "string" ? user.content : JSON.stringify(user?.content ?? "");
}

export async function startFakeProvider(
  respond: Responder = () => ({ text: "Hello from the fake model." }),
): Promise<FakeProvider> {
  const sockets = new Set<import("node:net").Socket>();
  const fp: FakeProvider = { baseURL: "", requests: [], respond, close: async () => {} };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      if (req.method !== "POST" || !req.url?.endsWith("/chat/completions")) {
        res.writeHead(404, { "content-type": "application/json" }).end('{"error":{"message":"not found"}}');
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as ChatRequest;
      const index = fp.requests.length;
      fp.requests.push(body);
      const reply = isTitleRequest(body) ? { text: "Fake session title" } : fp.respond(body, index);
      if (body.stream === false) writeJson(res, body.model, reply, index);
      else void writeStream(res, body.model, reply, index);
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  fp.baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  fp.close = async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return fp;
}

function usageOf(reply: ProviderReply) {
  const u = reply.usage ?? DEFAULT_USAGE;
  return { prompt_tokens: u.prompt, completion_tokens: u.completion, total_tokens: u.prompt + u.completion };
}

async function writeStream(res: http.ServerResponse, model: string, reply: ProviderReply, index: number) {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
  const id = `chatcmpl-fake-${index}`;
  const created = Math.floor(Date.now() / 1000);
  const send = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    res.write(
      `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model, choices, ...extra })}\n\n`,
    );
  send([{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }]);
  if (reply.text) {
    // Several chunks so OpenCode emits message.part.delta events like a real stream.
    for (const piece of reply.text.match(/.{1,8}/gs) ?? []) {
      if (res.destroyed) return; // the client stopped the stream (an abort)
      send([{ index: 0, delta: { content: piece }, finish_reason: null }]);
      if (reply.chunkDelayMs) await new Promise((resolve) => setTimeout(resolve, reply.chunkDelayMs));
    }
  }
  reply.toolCalls?.forEach((call, i) => {
    send([
      {
        index: 0,
        delta: {
          tool_calls: [
            {
              index: i,
              id: `call_fake_${index}_${i}`,
              type: "function",
              function: { name: call.name, arguments: JSON.stringify(call.arguments) },
            },
          ],
        },
        finish_reason: null,
      },
    ]);
  });
  send([{ index: 0, delta: {}, finish_reason: reply.toolCalls?.length ? "tool_calls" : "stop" }]);
  send([], { usage: usageOf(reply) });
  res.end("data: [DONE]\n\n");
}

function writeJson(res: http.ServerResponse, model: string, reply: ProviderReply, index: number): void {
  const message: Record<string, unknown> = { role: "assistant", content: reply.text ?? "" };
  if (reply.toolCalls?.length) {
    message.tool_calls = reply.toolCalls.map((call, i) => ({
      id: `call_fake_${index}_${i}`,
      type: "function",
      function: { name: call.name, arguments: JSON.stringify(call.arguments) },
    }));
  }
  res.writeHead(200, { "content-type": "application/json" });
  res.end(
    JSON.stringify({
      id: `chatcmpl-fake-${index}`,
      object: "chat.completion",
      created: Math.floor(Date.now() / 1000),
      model,
      choices: [{ index: 0, message, finish_reason: reply.toolCalls?.length ? "tool_calls" : "stop" }],
      usage: usageOf(reply),
    }),
  );
}
