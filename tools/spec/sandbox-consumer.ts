// A small TypeScript consumer of the types that openapi-typescript makes from openapi-sandbox.yaml
// (make spec-check writes them to out/sandbox.ts). It compiles only while the document describes
// what a caller of another language relies on: starting a process and reading its event stream,
// the two ways of reading a file, the multipart form of a write, watch lines, ports, health and
// upgrade, and the sandbox's error shape.
import type { components, operations } from "./out/sandbox";

type Schemas = components["schemas"];

// A command to start, as StartProcess takes it.
type StartBody = operations["StartProcess"]["requestBody"]["content"]["application/json"];
export const start: StartBody = { command: "echo hello", name: "greet-1", waitForCompletion: false, env: { LANG: "C" } };

// The streaming mode: each line is an ExecEvent; output is concatenated, the result is the final process.
type Event = operations["StartProcess"]["responses"][200]["content"]["application/x-ndjson"];
export function collect(events: Event[]): { output: string; result?: Schemas["ProcessResponse"]; error?: string } {
  let output = "";
  for (const e of events) {
    switch (e.type) {
      case "stdout":
      case "stderr":
        output += e.data ?? "";
        break;
      case "error":
        return { output, error: e.data ?? "" };
      case "result":
        return { output, result: JSON.parse(e.data ?? "{}") as Schemas["ProcessResponse"] };
      case "keepalive":
        break;
    }
  }
  return { output };
}

// A process's end time is a string, or null while it runs (ListProcesses).
export function finished(p: Schemas["ProcessResponse"]): boolean {
  return p.completedAt !== null && p.completedAt !== "" && p.status !== "running";
}

// ReadPath answers JSON (a directory or a file) or raw bytes, with 206 for a range and 304 when unchanged.
type ReadJSON = operations["ReadPath"]["responses"][200]["content"]["application/json"];
type ReadRaw = operations["ReadPath"]["responses"][206]["content"]["application/octet-stream"];
type NotModified = operations["ReadPath"]["responses"][304]["content"];
export function entries(r: ReadJSON): string[] {
  return "files" in r ? [...r.files.map((f) => f.name), ...r.subdirectories.map((d) => d.name + "/")] : [r.path];
}
export const partial: ReadRaw = "bytes";
export const unchanged: NotModified = undefined;
export const rangeHeaders: NonNullable<operations["ReadPath"]["parameters"]["header"]> = { Range: "bytes=0-1023" };

// WritePath takes JSON text or a multipart form whose permissions come before the file.
type WriteForm = operations["WritePath"]["requestBody"]["content"]["multipart/form-data"];
export const form: WriteForm = { permissions: "0755", file: "#!/bin/sh\n" };

// WatchFilesystem sends text lines, each a FileEvent once parsed.
type WatchBody = operations["WatchFilesystem"]["responses"][200]["content"]["text/plain"];
export function events(body: WatchBody): Schemas["FileEvent"][] {
  return body
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Schemas["FileEvent"]);
}

// The real shapes of ports, health and upgrade.
type Ports = operations["GetProcessPorts"]["responses"][200]["content"]["application/json"];
export function listening(p: Ports): number[] {
  return (p.ports ?? []).filter((s) => s.state === "LISTEN").map((s) => s.localPort ?? 0);
}
type Health = operations["GetHealth"]["responses"][200]["content"]["application/json"];
export function upgraded(h: Health): boolean {
  return h.upgradeCount > 0 && h.lastUpgrade.status === "completed";
}
type Upgrade = operations["Upgrade"]["responses"][200]["content"]["application/json"];
export function target(u: Upgrade): string {
  return `${u.baseUrl} ${u.version}`;
}

// Errors of the sandbox itself: {"error": message}.
type NotFound = operations["GetProcess"]["responses"][404]["content"]["application/json"];
export function message(e: NotFound): string {
  return e.error;
}
