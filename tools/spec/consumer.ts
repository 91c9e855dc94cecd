// A small TypeScript consumer of the types that openapi-typescript makes from openapi.yaml
// (make spec-check writes them to out/blaxel.ts). It compiles only while the document describes
// what a caller of another language relies on: resources, pages of a listing, errors, the token
// exchange and the deprecated 2025 operations.
import type { components, operations, paths } from "./out/blaxel";

type Schemas = components["schemas"];

// A sandbox as a caller sends it to CreateSandbox.
export const sandbox: Schemas["Sandbox"] = {
  metadata: { name: "my-sandbox", labels: { team: "research" } },
  spec: {
    enabled: true,
    region: "us-pdx-1",
    runtime: { image: "blaxel/base-image:latest", memory: 4096, ports: [{ target: 8080, protocol: "HTTP" }] },
    lifecycle: { expirationPolicies: [{ type: "ttl-idle", value: "30m", action: "delete" }] },
    network: { allowedDomains: ["api.example.com"] },
  },
};

// The smallest bodies the README shows: a name and an empty spec. Properties with a default
// (enabled, public, proxy...) stay optional under openapi-typescript's default options. An egress
// IP is the exception: its ipFamily is required, default or not.
type Minimal = { metadata: { name: string }; spec: Record<string, never> };
const minimal = (name: string): Minimal => ({ metadata: { name }, spec: {} });
export const egressIP: Schemas["EgressIP"] = { metadata: { name: "my-ip" }, spec: { ipFamily: "IPv4" } };
export const minimalBodies: {
  sandbox: Schemas["Sandbox"];
  agent: Schemas["Agent"];
  fn: Schemas["Function"];
  model: Schemas["Model"];
  job: Schemas["Job"];
  application: Schemas["Application"];
  volume: Schemas["Volume"];
} = {
  sandbox: minimal("my-sandbox"),
  agent: minimal("my-agent"),
  fn: minimal("my-function"),
  model: minimal("my-model"),
  job: minimal("my-job"),
  application: minimal("my-app"),
  volume: minimal("my-volume"),
};

// What a read answers can be sent back to the update of the same resource, as the update
// operations advise (read, change, send back).
type Ops = operations;
type Json<R> = R extends { content: { "application/json": infer T } } ? T : never;
type Answer<Op extends keyof Ops> = Json<Ops[Op]["responses"] extends { 200: infer R } ? R : never>;
type Body<Op extends keyof Ops> = Json<NonNullable<Ops[Op]["requestBody"]>>;
export const resend = {
  sandbox: (s: Answer<"GetSandbox">): Body<"UpdateSandbox"> => s,
  agent: (a: Answer<"GetAgent">): Body<"UpdateAgent"> => a,
  fn: (f: Answer<"GetFunction">): Body<"UpdateFunction"> => f,
  model: (m: Answer<"GetModel">): Body<"UpdateModel"> => m,
  job: (j: Answer<"GetJob">): Body<"UpdateJob"> => j,
  application: (a: Answer<"GetApplication">): Body<"UpdateApplication"> => a,
};

// The body and the answer of an operation, reached through the path and the method.
type CreateSandboxBody = NonNullable<paths["/sandboxes"]["post"]["requestBody"]>["content"]["application/json"];
type SandboxPage = paths["/sandboxes"]["get"]["responses"][200]["content"]["application/json"];
export const body: CreateSandboxBody = sandbox;

// Paging: the cursor of the next page, or undefined after the last one.
export function nextCursor(page: SandboxPage): string | undefined {
  return page.meta?.hasMore ? page.meta.nextCursor : undefined;
}

export function names(page: SandboxPage): string[] {
  return (page.data ?? []).map((s) => s.metadata.name);
}

// A status is one of the deployment states, not any string.
export function settled(s: Schemas["Sandbox"]): boolean {
  return s.status === "DEPLOYED" || s.status === "FAILED";
}

// Errors: the control plane's shape, and the one CreateSandbox answers with.
type NotFound = operations["GetSandbox"]["responses"][404]["content"]["application/json"];
type CreateConflict = operations["CreateSandbox"]["responses"][409]["content"]["application/json"];
export function describe(e: NotFound | CreateConflict): string {
  return "error" in e ? `${e.error}: ${e.message ?? ""}` : `${e.code} at ${e.step ?? "?"}: ${e.message}`;
}

// The token exchange of service accounts.
type Token = operations["IssueToken"]["responses"][200]["content"]["application/json"];
export function bearer(t: Token): string {
  return `Bearer ${t.access_token}`;
}

// Deprecated 2025 operations remain callable.
type StartAnswer = operations["StartSandbox"]["responses"][200]["content"]["application/json"];
export const started: StartAnswer = { status: "DEPLOYED" };

// The API version and the workspace are headers of every operation.
type ListHeaders = NonNullable<operations["ListSandboxes"]["parameters"]["header"]>;
export const headers: ListHeaders = { "Blaxel-Version": "2026-04-28", "X-Blaxel-Workspace": "my-workspace" };
