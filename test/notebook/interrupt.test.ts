// Tests for the interrupt checks (src/util/interrupt.ts) outside a kernel, and for the kernel's
// helper functions that need no sockets (interrupt errors, ESM import scan).
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  KeyboardInterrupt,
  checkInterrupt,
  clearInterrupt,
  interruptibleLoop,
  isInterrupted,
  requestInterrupt,
  throwIfInterrupted,
} from "../../src/util/interrupt";
import { LiveProgress } from "../../src/notebook/progress";
import { listComms, openComm } from "../../src/notebook/kernel-io";
import { setDisplaySink } from "../../src/notebook/display";

// eslint-disable-next-line @typescript-eslint/no-var-requires
const kernel = require("../../bin/hdlm-kernel.js") as {
  errorContent: (c: unknown) => { ename: string; evalue: string };
  importedSpecifiers: (code: string) => string[];
  isInterruptError: (e: unknown) => boolean;
};

test("interrupt: a loop stops at the first check after requestInterrupt, with KeyboardInterrupt", async () => {
  clearInterrupt();
  let ran = 0;
  await assert.rejects(
    interruptibleLoop(1000, (step) => {
      ran = step;
      if (step === 5) requestInterrupt();
    }),
    (e: unknown) => e instanceof KeyboardInterrupt && (e as Error).name === "KeyboardInterrupt",
  );
  assert.equal(ran, 5);
  assert.equal(isInterrupted(), true);
  clearInterrupt();
  assert.equal(isInterrupted(), false);
  assert.equal(await interruptibleLoop(3, () => undefined), 3);
});

test("interrupt: checkInterrupt yields to the event loop so timers run between steps", async () => {
  clearInterrupt();
  let fired = false;
  setTimeout(() => (fired = true), 0);
  const t0 = Date.now();
  while (!fired && Date.now() - t0 < 2000) {
    const end = Date.now() + 2;
    while (Date.now() < end) {
      /* a synchronous step */
    }
    await checkInterrupt({ minIntervalMs: 0 });
  }
  assert.equal(fired, true);
});

test("interrupt: LiveProgress.update and throwIfInterrupted check synchronously", () => {
  const prev = setDisplaySink(() => undefined);
  try {
    const p = new LiveProgress({ total: 10, minIntervalMs: 0 });
    p.update(1, { loss: 1 });
    requestInterrupt();
    assert.throws(() => p.update(2, { loss: 0.5 }), KeyboardInterrupt);
    assert.throws(() => throwIfInterrupted(), /interrupted/);
  } finally {
    clearInterrupt();
    setDisplaySink(prev);
  }
});

test("kernel: interrupt errors become ename KeyboardInterrupt", () => {
  for (const e of [new KeyboardInterrupt(), new Error("Interrupted asynchronously"), new Error("Script execution was interrupted by `SIGINT`")]) {
    assert.equal(kernel.isInterruptError(e), true);
    assert.equal(kernel.errorContent({ kind: "thrown", value: e }).ename, "KeyboardInterrupt");
  }
  assert.equal(kernel.isInterruptError(new Error("boom")), false);
});

test("kernel: the ESM preload scan finds the packages a cell imports", () => {
  const code = 'import * as aq from "arquero";\nimport x, { y } from "./local.js";\nimport "side-effect";\nconst m = await import("dyn");\nconst r = require("cjs");\nimport * as fs from "node:fs";';
  assert.deepEqual(kernel.importedSpecifiers(code).sort(), ["./local.js", "arquero", "cjs", "dyn", "side-effect"]);
});

test("comms: outside a kernel openComm says a kernel is needed; listComms is empty", () => {
  assert.throws(() => openComm("x"), /needs the hdlm-lab kernel/);
  assert.deepEqual(listComms(), []);
});
