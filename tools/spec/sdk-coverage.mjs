// Compares openapi.yaml and openapi-sandbox.yaml with the clients that Blaxel generates for its
// TypeScript SDK (@blaxel/core), so that a new version of the API shows up as a list of what the
// documents lack. It reads the package's compiled clients, not its sources: each call's method,
// path and request media type from dist/cjs/{client,sandbox/client}/sdk.gen.js, and the
// parameters, bodies, answers and schemas from the type declarations beside them.
//
// usage: node tools/spec/sdk-coverage.mjs [--details] PACKAGE_DIR
//   PACKAGE_DIR: the "package" directory of `npm pack @blaxel/core@VERSION` once untarred.
//   --control, --sandbox: compare other documents than openapi.yaml and openapi-sandbox.yaml.
//
// It prints one line per kind of finding and exits 1 when the documents lack anything the
// clients have: an operation, an operationId (control plane), a path, query or header parameter,
// a request body or its media type, a success status, a schema, a property, an enum value.
// It also fails where the documents have something the clients no longer list and do not say
// so: an operation or a property without `deprecated: true` (an operation the package calls by
// hand outside its generated client, such as the token exchange, counts as listed).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { parse as parseYAML } from "yaml";

const usage = "usage: node tools/spec/sdk-coverage.mjs [--details] [--control DOC] [--sandbox DOC] PACKAGE_DIR";
const args = process.argv.slice(2);
const root = new URL("../..", import.meta.url).pathname;
const docs = { control: join(root, "openapi.yaml"), sandbox: join(root, "openapi-sandbox.yaml") };
let details = false;
const rest = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--details") details = true;
  else if ((args[i] === "--control" || args[i] === "--sandbox") && args[i + 1]) docs[args[i++].slice(2)] = args[i];
  else rest.push(args[i]);
}
const [pkg] = rest;
if (rest.length !== 1 || !existsSync(join(pkg, "dist/cjs/client/sdk.gen.js"))) {
  console.error(`${usage}\n  PACKAGE_DIR: an unpacked @blaxel/core (its "package" directory)`);
  process.exit(2);
}

const METHODS = ["get", "put", "post", "delete", "patch", "head", "options"];

// ---- The SDK side -------------------------------------------------------------------------

// sdkCalls reads a generated sdk.gen.js: for each exported call, its name, method, path and the
// Content-Type it sends.
function sdkCalls(file) {
  const src = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const calls = [];
  const visit = (node) => {
    if (ts.isVariableDeclaration(node) && node.initializer && ts.isArrowFunction(node.initializer)) {
      const call = findCall(node.initializer.body);
      if (call) calls.push({ name: node.name.getText(src), ...call });
    }
    ts.forEachChild(node, visit);
  };
  const findCall = (node) => {
    let found;
    const walk = (n) => {
      if (found) return;
      if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) &&
          METHODS.includes(n.expression.name.text) && n.arguments[0] && ts.isObjectLiteralExpression(n.arguments[0])) {
        const obj = n.arguments[0];
        const url = literalProp(obj, "url");
        if (url) {
          // A body built by formDataBodySerializer is multipart, whose Content-Type fetch sets.
          let contentType = obj.properties.some((p) => ts.isSpreadAssignment(p) && /formDataBodySerializer/.test(p.expression.getText(src)))
            ? "multipart/form-data" : undefined;
          const headers = obj.properties.find((p) => p.name?.getText(src) === "headers");
          if (headers && ts.isObjectLiteralExpression(headers.initializer)) {
            contentType ??= literalProp(headers.initializer, "'Content-Type'") ?? literalProp(headers.initializer, "Content-Type");
          }
          found = { method: n.expression.name.text, path: url, contentType };
          return;
        }
      }
      ts.forEachChild(n, walk);
    };
    walk(node);
    return found;
  };
  const literalProp = (obj, name) => {
    const p = obj.properties.find((q) => ts.isPropertyAssignment(q) && q.name.getText(src) === name);
    return p && ts.isStringLiteral(p.initializer) ? p.initializer.text : undefined;
  };
  visit(src);
  return calls;
}

// sdkTypes reads a types.gen.d.ts into a map of type name to shape. A shape is one of
// {kind: "string"|"number"|"boolean"|"any"|"null"}, {kind: "enum", values}, {kind: "array", items},
// {kind: "map", values}, {kind: "ref", name}, {kind: "object", props: {name: {shape, optional,
// readonly, deprecated}}}, {kind: "union", of}.
function sdkTypes(file) {
  const src = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const types = new Map();
  for (const st of src.statements) {
    if (ts.isTypeAliasDeclaration(st)) types.set(st.name.text, shapeOf(st.type, src));
  }
  const merge = (shape, depth = 0) => {
    if (shape.kind === "ref" && depth < 10) return merge(types.get(shape.name) ?? { kind: "any" }, depth + 1);
    if (shape.parts) for (const part of shape.parts) Object.assign(shape.props, merge(part, depth + 1).props ?? {});
    delete shape.parts;
    return shape;
  };
  const walk = (shape) => {
    if (shape.parts) merge(shape);
    if (shape.items) walk(shape.items);
    if (shape.values && shape.kind === "map") walk(shape.values);
    if (shape.of) shape.of.forEach(walk);
    if (shape.props) for (const p of Object.values(shape.props)) walk(p.shape);
  };
  for (const shape of types.values()) walk(shape);
  return types;
}

function shapeOf(node, src) {
  switch (node.kind) {
    case ts.SyntaxKind.StringKeyword: return { kind: "string" };
    case ts.SyntaxKind.NumberKeyword: return { kind: "number" };
    case ts.SyntaxKind.BooleanKeyword: return { kind: "boolean" };
    case ts.SyntaxKind.NullKeyword: return { kind: "null" };
    case ts.SyntaxKind.NeverKeyword: return { kind: "never" };
    case ts.SyntaxKind.UnknownKeyword:
    case ts.SyntaxKind.AnyKeyword: return { kind: "any" };
  }
  if (ts.isParenthesizedTypeNode(node) || (ts.isTypeOperatorNode(node))) return shapeOf(node.type, src);
  if (ts.isLiteralTypeNode(node)) {
    if (node.literal.kind === ts.SyntaxKind.NullKeyword) return { kind: "null" };
    if (ts.isStringLiteral(node.literal)) return { kind: "enum", values: [node.literal.text] };
    if (node.literal.kind === ts.SyntaxKind.TrueKeyword || node.literal.kind === ts.SyntaxKind.FalseKeyword) return { kind: "boolean" };
    return { kind: "number" };
  }
  if (ts.isArrayTypeNode(node)) return { kind: "array", items: shapeOf(node.elementType, src) };
  if (ts.isTypeReferenceNode(node)) {
    const name = node.typeName.getText(src);
    const targs = node.typeArguments ?? [];
    if (name === "Array" && targs.length === 1) return { kind: "array", items: shapeOf(targs[0], src) };
    if (name === "Record" && targs.length === 2) return { kind: "map", values: shapeOf(targs[1], src) };
    if (name === "Blob" || name === "File") return { kind: "binary" };
    return { kind: "ref", name };
  }
  if (ts.isUnionTypeNode(node)) {
    const parts = [...new Map(node.types.map((t) => shapeOf(t, src)).filter((s) => s.kind !== "null")
      .flatMap((s) => (s.kind === "union" ? s.of : [s])).map((s) => [JSON.stringify(s), s])).values()];
    if (parts.length && parts.every((p) => p.kind === "enum")) return { kind: "enum", values: parts.flatMap((p) => p.values) };
    return parts.length === 1 ? parts[0] : { kind: "union", of: parts };
  }
  if (ts.isIntersectionTypeNode(node)) {
    // TimeFields & OwnerFields & {...}: the named parts are merged once every type is read.
    return { kind: "object", props: {}, parts: node.types.map((t) => shapeOf(t, src)) };
  }
  if (ts.isTypeLiteralNode(node)) {
    const props = {};
    let values;
    for (const m of node.members) {
      if (ts.isIndexSignatureDeclaration(m)) values = shapeOf(m.type, src);
      if (ts.isPropertySignature(m) && m.type) {
        const name = ts.isStringLiteral(m.name) ? m.name.text : m.name.getText(src);
        const jsdoc = ts.getJSDocTags(m).map((t) => t.tagName.text);
        props[name] = {
          shape: shapeOf(m.type, src),
          optional: !!m.questionToken,
          readonly: !!m.modifiers?.some((x) => x.kind === ts.SyntaxKind.ReadonlyKeyword),
          deprecated: jsdoc.includes("deprecated"),
        };
      }
    }
    if (values && !Object.keys(props).length) return { kind: "map", values };
    return { kind: "object", props };
  }
  return { kind: "any" };
}

// ---- The document side --------------------------------------------------------------------

function loadDoc(file) {
  return parseYAML(readFileSync(file, "utf8"));
}

const refName = (s) => (s && typeof s.$ref === "string" ? s.$ref.split("/").pop() : undefined);

function deref(doc, obj, kind) {
  for (let i = 0; obj && obj.$ref && i < 10; i++) obj = doc.components?.[kind]?.[refName(obj)];
  return obj ?? {};
}

// docProps merges a schema's properties with those of its allOf parts.
function docProps(doc, schema, depth = 0) {
  schema = deref(doc, schema, "schemas");
  const out = {};
  if (depth < 6) for (const part of schema.allOf ?? []) Object.assign(out, docProps(doc, part, depth + 1));
  Object.assign(out, schema.properties ?? {});
  return out;
}

function docRequired(doc, schema, depth = 0) {
  schema = deref(doc, schema, "schemas");
  const out = new Set(schema.required ?? []);
  if (depth < 6) for (const part of schema.allOf ?? []) for (const r of docRequired(doc, part, depth + 1)) out.add(r);
  return out;
}

// A schema name of the SDK (hey-api writes `_Error`, `SsoDomain`, `Vpc`) found in the document,
// whose names are Blaxel's (`Error`, `SSODomain`, `VPC`).
function docSchemaName(doc, sdkName) {
  const names = Object.keys(doc.components?.schemas ?? {});
  const want = sdkName.replace(/^_/, "").toLowerCase();
  const plain = (n) => n.replace(/[._]/g, "").toLowerCase();
  return names.find((n) => n.toLowerCase() === want) ?? names.find((n) => plain(n) === want.replace(/_/g, ""));
}

// ---- Comparing a shape with a schema ------------------------------------------------------

// compare reports in problems every way the document's schema falls short of the SDK's shape.
function compare(ctx, where, shape, schema, depth = 0) {
  const { doc, types, problems } = ctx;
  if (!schema || depth > 8) return;
  if (shape.kind === "any" || shape.kind === "never") return;
  const docName = refName(schema);
  if (shape.kind === "ref") {
    const target = types.get(shape.name);
    // hey-api's XWritable is X without its read-only properties: the document's X.
    const mapped = docSchemaName(doc, shape.name) ?? docSchemaName(doc, shape.name.replace(/Writable$/, ""));
    if (docName && mapped && docName === mapped) return; // the schema itself is compared by name
    if (!target) return;
    return compare(ctx, where, target, schema, depth + 1);
  }
  const s = deref(doc, schema, "schemas");
  const single = s.allOf?.length === 1 && !s.properties ? s.allOf[0] : s.anyOf?.length === 1 ? s.anyOf[0] : s.oneOf?.length === 1 ? s.oneOf[0] : null;
  if (single) return compare(ctx, where, shape, single, depth + 1);
  const type = s.type ?? (s.properties || s.allOf ? "object" : undefined);
  switch (shape.kind) {
    case "string":
      if (type && type !== "string") problems.types.push(`${where}: ${type}, the SDK says string`);
      return;
    case "number":
      if (type && type !== "number" && type !== "integer") problems.types.push(`${where}: ${type}, the SDK says number`);
      return;
    case "boolean":
      if (type && type !== "boolean") problems.types.push(`${where}: ${type}, the SDK says boolean`);
      return;
    case "binary":
      return;
    case "enum": {
      if (type && type !== "string") return problems.types.push(`${where}: ${type}, the SDK says an enum`);
      if (!s.enum) return; // a plain string takes every value
      const missing = shape.values.filter((v) => !s.enum.includes(v));
      if (missing.length) problems.enums.push(`${where}: lacks ${missing.join(", ")}`);
      return;
    }
    case "array":
      if (type !== "array") return problems.types.push(`${where}: ${type ?? "untyped"}, the SDK says an array`);
      return compare(ctx, `${where}[]`, shape.items, s.items, depth + 1);
    case "map":
      if (type && type !== "object") return problems.types.push(`${where}: ${type}, the SDK says a map`);
      if (s.additionalProperties && typeof s.additionalProperties === "object") {
        compare(ctx, `${where}{}`, shape.values, s.additionalProperties, depth + 1);
      }
      return;
    case "union": {
      const alternatives = s.oneOf ?? s.anyOf;
      if (!alternatives) return problems.types.push(`${where}: one schema, the SDK says one of ${shape.of.length}`);
      for (const [i, alt] of shape.of.entries()) {
        const ok = alternatives.some((a) => {
          const sub = { ...ctx, problems: newProblems() };
          compare(sub, where, alt, a, depth + 1);
          return Object.values(sub.problems).every((l) => !l.length);
        });
        if (!ok) problems.types.push(`${where}: no alternative fits the SDK's ${i + 1}th (${describe(alt)})`);
      }
      return;
    }
    case "object":
      if (type && type !== "object") return problems.types.push(`${where}: ${type}, the SDK says an object`);
      return compareProps(ctx, where, shape.props, schema, depth);
  }
}

function compareProps(ctx, where, props, schema, depth = 0) {
  const { doc, problems } = ctx;
  const ours = docProps(doc, schema);
  const required = docRequired(doc, schema);
  for (const [name, p] of Object.entries(props)) {
    if (!(name in ours)) {
      problems.properties.push(`${where}.${name}: missing`);
      continue;
    }
    compare(ctx, `${where}.${name}`, p.shape, ours[name], depth + 1);
    if (!p.optional && !required.has(name) && !p.readonly) problems.required.push(`${where}.${name}: required by the SDK, optional here`);
  }
  if (!ctx.named) return; // a body or an answer shows only part of a schema
  for (const [name, s] of Object.entries(ours)) {
    if (!(name in props) && !s.deprecated && !deref(doc, s, "schemas").deprecated) {
      problems.unlisted.push(`${where}.${name}: the SDK no longer lists it; deprecated: true is missing`);
    }
  }
}

const describe = (s) => s.kind === "ref" ? s.name : s.kind;

const newProblems = () => ({
  operations: [], operationIds: [], parameters: [], bodies: [], responses: [], schemas: [],
  properties: [], types: [], enums: [], required: [], unlisted: [], retired: [],
});

// ---- One client against one document -----------------------------------------------------

function check(label, docFile, clientDir, jsDir, compareIds) {
  const doc = loadDoc(docFile);
  const types = sdkTypes(join(pkg, clientDir, "types.gen.d.ts"));
  const calls = sdkCalls(join(pkg, jsDir, "sdk.gen.js"));
  if (!calls.length || !types.size) {
    console.error(`${label}: no call or type found under ${clientDir}: not a package this tool reads`);
    return 1;
  }
  const problems = newProblems();
  const ctx = { doc, types, problems };
  const counts = { operations: calls.length, parameters: 0, schemas: 0, properties: 0 };
  const pascal = (n) => n[0].toUpperCase() + n.slice(1);

  const seen = new Set();
  for (const call of calls) {
    const item = doc.paths?.[call.path];
    const op = item?.[call.method];
    const key = `${call.method.toUpperCase()} ${call.path}`;
    seen.add(key);
    if (!op) {
      problems.operations.push(`${key} (${call.name}): missing`);
      continue;
    }
    // hey-api writes Jwks and Mcp where Blaxel's ids say JWKS and MCP.
    if (compareIds && op.operationId?.toLowerCase() !== call.name.toLowerCase()) {
      problems.operationIds.push(`${key}: ${op.operationId}, the SDK names it ${call.name}`);
    }
    const data = types.get(pascal(call.name) + "Data");
    const params = [...(item.parameters ?? []), ...(op.parameters ?? [])].map((p) => deref(doc, p, "parameters"));
    for (const [place, where] of [["path", "path"], ["query", "query"], ["headers", "header"]]) {
      const group = data?.props?.[place]?.shape;
      for (const [name, p] of Object.entries(group?.props ?? {})) {
        counts.parameters++;
        const ours = params.find((q) => q.in === where && (where === "header" ? q.name.toLowerCase() === name.toLowerCase() : q.name === name));
        if (!ours) {
          problems.parameters.push(`${key}: missing ${where} parameter ${name}`);
          continue;
        }
        if (!p.optional && !ours.required) problems.parameters.push(`${key}: ${where} parameter ${name} is required by the SDK`);
        compare(ctx, `${key} ${where} ${name}`, p.shape, ours.schema);
      }
    }
    const body = data?.props?.body;
    if (body && body.shape.kind !== "never") {
      const rb = deref(doc, op.requestBody, "requestBodies");
      const content = rb?.content ?? {};
      const media = call.contentType ?? "application/json";
      if (!op.requestBody) problems.bodies.push(`${key}: no request body, the SDK sends one`);
      else if (!content[media] && !(media === "application/json" && Object.keys(content).some((m) => m.endsWith("json")))) {
        problems.bodies.push(`${key}: no ${media} body (has ${Object.keys(content).join(", ")})`);
      } else if (content[media]) {
        compare(ctx, `${key} body`, body.shape, content[media].schema);
      }
    }
    const answers = types.get(pascal(call.name) + "Responses");
    for (const [code, p] of Object.entries(answers?.props ?? {})) {
      const ours = op.responses?.[code];
      if (!ours) {
        problems.responses.push(`${key}: no ${code} answer`);
        continue;
      }
      const content = deref(doc, ours, "responses").content ?? {};
      const media = Object.keys(content).find((m) => m.endsWith("json")) ?? Object.keys(content)[0];
      let shape = p.shape;
      // Raw bytes (Blob | File) among JSON alternatives: a media type of their own.
      if (shape.kind === "union" && shape.of.some((s) => s.kind === "binary")) {
        if (!Object.keys(content).some((m) => !m.endsWith("json"))) problems.responses.push(`${key} ${code}: no media type for raw bytes`);
        const rest = shape.of.filter((s) => s.kind !== "binary");
        shape = rest.length === 1 ? rest[0] : { kind: "union", of: rest };
      }
      if (media && shape.kind !== "any") compare(ctx, `${key} ${code}`, shape, content[media].schema);
    }
  }
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op || seen.has(`${method.toUpperCase()} ${path}`) || op.deprecated) continue;
      if (calledByHand(path)) continue;
      problems.retired.push(`${method.toUpperCase()} ${path} (${op.operationId}): the SDK no longer lists it; deprecated: true is missing`);
    }
  }

  // The schemas: every named type that is neither an operation's nor a derived *Writable one.
  const opTypes = new Set(calls.flatMap((c) => ["Data", "Errors", "Error", "Responses", "Response"].map((s) => pascal(c.name) + s)));
  for (const [name, shape] of types) {
    if (opTypes.has(name) || name.endsWith("Writable") || name === "ClientOptions") continue;
    if (doc.components?.parameters && Object.keys(doc.components.parameters).includes(name)) continue;
    counts.schemas++;
    const ours = docSchemaName(doc, name);
    if (!ours) {
      problems.schemas.push(`${name}: missing`);
      continue;
    }
    if (shape.kind === "object") counts.properties += Object.keys(shape.props).length;
    compare({ ...ctx, named: true }, ours, shape, { $ref: `#/components/schemas/${ours}` }, -1);
  }

  console.log(`${label}: ${docFile} against ${clientDir} (${counts.operations} operations, ${counts.parameters} parameters, ${counts.schemas} schemas, ${counts.properties} properties)`);
  let bad = 0;
  for (const [area, items] of Object.entries(problems)) {
    bad += items.length;
    if (!items.length) continue;
    console.log(`  ${area}: ${items.length}`);
    for (const line of items.slice(0, details ? items.length : 5)) console.log(`    ${line}`);
    if (!details && items.length > 5) console.log(`    ... ${items.length - 5} more (--details)`);
  }
  if (!bad) console.log("  every operation, parameter, schema, property and enum value is in the document");
  return bad;
}

// calledByHand: whether the package calls a path outside its generated clients (the token
// exchange of its authentication code).
let handWritten;
function calledByHand(path) {
  if (!handWritten) {
    handWritten = "";
    const walk = (dir) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name.endsWith(".js") && !e.name.endsWith("sdk.gen.js") && !e.name.endsWith("types.gen.js")) handWritten += readFileSync(p, "utf8");
      }
    };
    walk(join(pkg, "dist/cjs"));
  }
  return handWritten.includes(`'${path}'`) || handWritten.includes(`"${path}"`);
}

const bad =
  check("control plane", docs.control, "dist/cjs/types/client", "dist/cjs/client", true) +
  check("sandbox", docs.sandbox, "dist/cjs/types/sandbox/client", "dist/cjs/sandbox/client", false);
process.exit(bad ? 1 : 0);
