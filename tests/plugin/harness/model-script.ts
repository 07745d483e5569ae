/**
 * What the fake model answers in the real-OpenCode tests, chosen from the conversation so one
 * provider serves every scenario: plain text, a bash call, a subagent (task tool) and its work.
 */
import type { ChatRequest, ProviderReply } from "../../support/fake-provider.ts";
import { lastUserText } from "../../support/fake-provider.ts";

/** The model was called right after a tool ran: finish the turn. */
function hasToolResultLast(req: ChatRequest): boolean {
  return req.messages[req.messages.length - 1]?.role === "tool";
}

export function replyScript(req: ChatRequest): ProviderReply {
  if (hasToolResultLast(req)) return { text: "All done.", usage: { prompt: 300, completion: 12 } };
  const text = lastUserText(req);
  if (/SUBAGENT-TASK/.test(text)) return { text: "Subagent finished its job.", usage: { prompt: 90, completion: 7 } };
  if (/delegate to a subagent/.test(text)) {
    return {
      toolCalls: [
        {
          name: "task",
          arguments: { description: "Sub job", prompt: "SUBAGENT-TASK: reply with one line", subagent_type: "general" },
        },
      ],
      usage: { prompt: 250, completion: 20 },
    };
  }
  if (/run bash please/.test(text)) {
    return {
      toolCalls: [{ name: "bash", arguments: { command: "echo dashboard-tool-ran", description: "Print a marker" } }],
      usage: { prompt: 200, completion: 15 },
    };
  }
  return { text: "Hello from the fake model.", usage: { prompt: 120, completion: 30 } };
}
