/** The board's writes, through the API with the login cookie. */
export async function dismissSession(id: string) {
  const res = await fetch(`/api/sessions/${encodeURIComponent(id)}/dismiss`, { method: "PATCH" });
  if (!res.ok) throw new Error(await errorText(res));
}

export async function deleteSession(id: string) {
  const res = await fetch(`/api/sessions/${encodeURIComponent(id)}`, { method: "DELETE" });
  if (!res.ok && res.status !== 404) throw new Error(await errorText(res));
}

async function errorText(res: Response) {
  const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
  return body?.error?.message ?? `the server answered ${res.status}`;
}

/** "Dismiss all finished", on one host or every host. */
export async function dismissFinished(hostname?: string) {
  const res = await fetch("/api/sessions/dismiss", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(hostname ? { hostname } : {}),
  });
  if (!res.ok) throw new Error(await errorText(res));
}
