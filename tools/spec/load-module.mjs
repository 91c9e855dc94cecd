// Loads the module that swagger-typescript-api generated (compiled to JavaScript by make
// spec-check) and builds its client: a module that does not load (a duplicate parameter, say)
// fails here, as it would for its users.
import { pathToFileURL } from "node:url";

const [file] = process.argv.slice(2);
const mod = await import(pathToFileURL(file).href);
if (typeof mod.Api !== "function") {
  throw new Error(`${file} exports no Api class`);
}
const api = new mod.Api({ baseUrl: "http://127.0.0.1:4010/v0" });
const groups = Object.keys(api).filter((k) => typeof api[k] === "object" && api[k] !== null);
const methods = groups.reduce((n, g) => n + Object.values(api[g]).filter((f) => typeof f === "function").length, 0);
if (methods === 0) {
  throw new Error(`${file}: the Api has no operation`);
}
console.log(`swagger-typescript-api: the module loads, ${methods} operations in ${groups.length} groups`);
