import { clientAddressOf } from "../http/remote-address";
import { jsonError } from "../http/errors";
import type { CommandAction } from "../db/schema";
import { issueCommand } from "./issue";
import type { CommandArgs } from "./protocol";

/** What every control route answers: 202 with the command, or the error that says why not. */
export function issueFromRequest<A extends CommandAction>(
  request: Request,
  sessionId: string,
  action: A,
  args: CommandArgs[A],
): Response {
  const result = issueCommand({
    sessionId,
    action,
    args,
    client: { address: clientAddressOf(request.headers), userAgent: request.headers.get("user-agent") },
  });
  if (!result.ok) return jsonError(result.status, result.code, result.message);
  return Response.json({ commandId: result.command.id, command: result.command }, { status: 202 });
}
