import { apiRoute, notFound } from "@/lib/http/route";
import { dismissAttention } from "@/lib/sessions/commands";

export const dynamic = "force-dynamic";

/** Clears the session's attention flag (the user has seen it) and tells every dashboard. */
export const PATCH = apiRoute<{ id: string }>(async (_request, { id }) => {
  const session = await dismissAttention(id);
  return session ? Response.json({ session }) : notFound(`session ${id}`);
});
