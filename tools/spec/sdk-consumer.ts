// A small consumer of the SDK that @hey-api/openapi-ts generates from openapi.yaml (make
// spec-check writes it to out/hey-api). It compiles only while a caller can create a sandbox with
// the smallest body, send the headers the document requires, and walk the pages of a listing.
import { createClient } from "./out/hey-api/client";
import { createSandbox, getSandbox, listSandboxes, updateSandbox } from "./out/hey-api/sdk.gen";
import type { ApiError, Sandbox } from "./out/hey-api/types.gen";

const client = createClient({ baseUrl: "http://127.0.0.1:4010/v0", headers: { Authorization: "Bearer my-key" } });
const headers = { "Blaxel-Version": "2026-04-28", "X-Blaxel-Workspace": "my-workspace" } as const;

export async function create(name: string): Promise<Sandbox | undefined> {
  const { data } = await createSandbox({ client, headers, body: { metadata: { name }, spec: {} } });
  return data;
}

// Read, change, send back.
export async function relabel(name: string, team: string): Promise<Sandbox | undefined> {
  const { data } = await getSandbox({ client, headers, path: { sandboxName: name } });
  if (!data) return undefined;
  data.metadata.labels = { ...data.metadata.labels, team };
  return (await updateSandbox({ client, headers, path: { sandboxName: name }, body: data })).data;
}

export async function allNames(): Promise<string[]> {
  const names: string[] = [];
  let cursor: string | undefined;
  do {
    const { data, error } = await listSandboxes({ client, headers, query: { limit: 200, cursor } });
    if (error) throw new Error(describe(error as ApiError));
    names.push(...(data?.data ?? []).map((s) => s.metadata.name));
    cursor = data?.meta?.hasMore ? data.meta.nextCursor : undefined;
  } while (cursor);
  return names;
}

function describe(e: ApiError): string {
  return `${e.error}: ${e.message ?? ""}`;
}
