/**
 * What the fake model does in the control tests (docs/control.md): a bash call that needs
 * permission, the question tool, a slow stream to stop, otherwise a greeting.
 */
import { hasToolResultLast } from "../plugin/harness/model-script.ts";
import { lastUserText, type ChatRequest } from "./fake-provider.ts";

const QUESTION = {
  questions: [
    {
      question: "Which colour should the button be?",
      header: "Colour",
      options: [
        { label: "Blue", description: "calm" },
        { label: "Red", description: "bold" },
      ],
    },
  ],
};

/** The fake model's replies; `marker` is what the bash call prints, so a test can see it ran. */
export function controlScript(marker: string) {
  return (req: ChatRequest) => {
    if (hasToolResultLast(req)) return { text: "All done.", usage: { prompt: 300, completion: 12 } };
    const text = lastUserText(req);
    if (/run bash please/.test(text)) {
      return { toolCalls: [{ name: "bash", arguments: { command: `echo ${marker}`, description: "Print a marker" } }] };
    }
    if (/ask me a question/.test(text)) return { toolCalls: [{ name: "question", arguments: QUESTION }] };
    if (/\[slow\]/.test(text)) return { text: "word ".repeat(400), chunkDelayMs: 100 };
    return { text: "Hello from the fake model." };
  };
}
