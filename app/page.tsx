export default function Home() {
  return (
    <main className="mx-auto max-w-2xl p-8">
      <h1 className="text-2xl font-semibold">OpenCode Dashboard</h1>
      <p className="mt-2 text-neutral-600">The server is running. The sessions board arrives with the dashboard pages.</p>
    </main>
  );
}
