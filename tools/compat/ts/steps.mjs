// The step runner of the tour: each step prints one line, PASS, FAIL or SDK-DEFECT with a
// short reason, and the summary counts the steps that passed among those counted.

const keepGoing = ["1", "true"].includes(process.env.COMPAT_KEEP_GOING ?? "") ||
  ["1", "true"].includes(process.env.COMPAT_ALLOW_FAIL ?? "");

export class Tour {
  constructor(label) {
    this.label = label;
    this.results = [];
    this.stopped = false;
  }

  // step runs fn, which returns a short note, within timeoutMs. A step listed with defect
  // (a RegExp) whose error matches it failed because of the SDK itself, and is not counted.
  async step(name, fn, { timeoutMs = 30_000, defect, defectNote } = {}) {
    if (this.stopped) {
      this.results.push({ name, status: "NOT-RUN" });
      return;
    }
    try {
      const note = await withTimeout(Promise.resolve().then(fn), timeoutMs);
      this.report("PASS", name, note ?? "");
    } catch (err) {
      const reason = describe(err);
      if (defect && defect.test(reason)) {
        this.report("SDK-DEFECT", name, `${defectNote}: ${reason}`);
        return;
      }
      this.report("FAIL", name, reason);
      if (!keepGoing) this.stopped = true;
    }
  }

  report(status, name, reason) {
    this.results.push({ name, status, reason });
    const line = `${status.padEnd(10)} ${name.padEnd(34)} ${oneLine(reason)}`;
    console.log(line.trimEnd());
  }

  // finish prints the summary and returns the exit code: 1 when a counted step failed.
  finish() {
    const counted = this.results.filter((r) => r.status === "PASS" || r.status === "FAIL");
    const passed = counted.filter((r) => r.status === "PASS").length;
    const defects = this.results.filter((r) => r.status === "SDK-DEFECT").length;
    const notRun = this.results.filter((r) => r.status === "NOT-RUN").length;
    let extra = [];
    if (defects) extra.push(`${defects} SDK-DEFECT not counted`);
    if (notRun) extra.push(`${notRun} not run after the first failure; COMPAT_KEEP_GOING=1 runs them`);
    const tail = extra.length ? ` (${extra.join("; ")})` : "";
    console.log(`${this.label}: ${passed} of ${counted.length} steps pass${tail}`);
    return passed === counted.length && notRun === 0 ? 0 : 1;
  }
}

// check throws when cond is false, so that a step fails with what it expected.
export function check(cond, message) {
  if (!cond) throw new Error(message);
}

function withTimeout(promise, ms) {
  let timer;
  const guard = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, guard]).finally(() => clearTimeout(timer));
}

// describe turns what the SDK threw (an Error, or the decoded error body of a response) into
// one line.
export function describe(err) {
  if (err instanceof Error) {
    let text = `${err.name === "Error" ? "" : err.name + ": "}${err.message}`;
    if (err.cause) text += ` (cause: ${describe(err.cause)})`;
    return text;
  }
  try {
    return `error body ${JSON.stringify(err)}`;
  } catch {
    return String(err);
  }
}

function oneLine(text) {
  const flat = String(text).replace(/\s+/g, " ").trim();
  return flat.length > 400 ? flat.slice(0, 400) + "…" : flat;
}
