#!/usr/bin/env node
// hdlm-lab's Jupyter kernel: a thin launcher over tslab 1.0.22 (its compiler, executor and sockets) that
// fixes what the Jupyter kernel test suite flags on stock tslab, and gives cell values rich reprs.
//
// What differs from `tslab kernel` (see test/notebook/kernel_conformance.py for the checks):
// - kernel_info_reply carries `status: "ok"` and the version of the TypeScript that compiles cells;
// - an error (runtime throw, rejected await, type error) gives an iopub `error` message and an
//   execute_reply with ename/evalue/traceback, instead of a trace on stderr;
// - a cell's last expression becomes an `execute_result` (with execution_count) instead of a stdout
//   print; tensors show shape/dtype/values, arquero tables show as HTML;
// - `execute_input` is broadcast (and reaches the front end before a cell that blocks); history_request is
//   answered;
// - interrupt (SIGINT from the front end, or interrupt_request on control/shell) stops the running cell
//   with a KeyboardInterrupt error and keeps every variable defined before it: the synchronous start of
//   a cell is cut by V8 (breakOnSigint); code after an `await` stops at its next interrupt check
//   (src/util/interrupt.ts: `await checkInterrupt()` between steps); a cell that reaches none within
//   INTERRUPT_GRACE_MS is abandoned, and stops at its next check if it ever makes one;
// - output is routed by AsyncLocalStorage: a timer, a promise settled after the cell returned or a
//   progress update carries the parent header of the cell that started it;
// - stdin: input_request / input_reply (src/notebook/kernel-io.ts `prompt`), honouring allow_stdin;
// - comms: comm_open / comm_msg / comm_close both ways, comm_info_request lists the open comms
//   (src/notebook/kernel-io.ts `openComm`, `registerCommTarget`);
// - ESM-only packages (and ESM with top-level await) can be imported in a cell: when require() refuses
//   one, the kernel loads it with import() before the cell runs.
// The kernel side of the library helpers is the object at globalThis[Symbol.for("hdlm.kernel")].
// Usage (written into .jupyter/kernels/hdlm-lab/kernel.json by scripts/kernelspec.sh):
//   node bin/hdlm-kernel.js --config-path <connection_file>
"use strict";
const crypto = require("crypto");
const path = require("path");
const util = require("util");
const { AsyncLocalStorage } = require("async_hooks");
const { pathToFileURL } = require("url");

const tslabDir = path.dirname(require.resolve("tslab/package.json", { paths: [__dirname] }));
const tslabRequire = (rel) => require(path.join(tslabDir, "dist", rel));

/** Protocol version this kernel speaks. */
const PROTOCOL_VERSION = "5.3";
/** Symbol an object can implement to choose its own rich repr: () => ({ data, metadata? }). */
const MIME_BUNDLE = Symbol.for("hdlm.mimebundle");
/** Where the kernel publishes its API for the library (src/notebook/kernel-io.ts, interrupt.ts). */
const KERNEL_API = Symbol.for("hdlm.kernel");
/** After an interrupt, how long a cell may take to reach an interrupt check before it is abandoned. */
const INTERRUPT_GRACE_MS = Number(process.env.HDLM_INTERRUPT_GRACE_MS || 500);
/** The evalue of an interrupted cell. */
const INTERRUPT_MESSAGE = "interrupted by the front end; variables defined before this cell are kept";

// ---------------------------------------------------------------------------------------------
// Rich reprs for execute_result.

function formatNumber(v, dtype) {
  if (dtype === "bool") return v ? "true" : "false";
  if (typeof v === "string") return JSON.stringify(v);
  if (Number.isInteger(v) || !Number.isFinite(v)) return String(v);
  return String(Number(v.toPrecision(5)));
}

/** Nested-array text of a tensor's values, eliding the middle of long axes (edge items kept). */
function formatValues(values, shape, dtype, edge) {
  if (shape.length === 0) return formatNumber(values[0], dtype);
  const strides = [];
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d];
  }
  const rec = (dim, offset, indent) => {
    const n = shape[dim];
    const idx = n > 2 * edge ? [...Array(edge).keys(), -1, ...Array.from({ length: edge }, (_, i) => n - edge + i)] : [...Array(n).keys()];
    if (dim === shape.length - 1) {
      return "[" + idx.map((i) => (i < 0 ? "..." : formatNumber(values[offset + i], dtype))).join(", ") + "]";
    }
    const sep = "," + "\n".repeat(shape.length - 1 - dim) + " ".repeat(indent + 1);
    return "[" + idx.map((i) => (i < 0 ? "..." : rec(dim + 1, offset + i * strides[dim], indent + 1))).join(sep) + "]";
  };
  return rec(0, 0, 0);
}

function isTensor(v) {
  return v !== null && typeof v === "object" && Array.isArray(v.shape) && typeof v.dtype === "string" &&
    typeof v.dataSync === "function" && typeof v.rank === "number";
}

function tensorText(t) {
  const head = `Tensor shape [${t.shape.join(",")}] ${t.dtype}`;
  if (t.isDisposed) return `${head} (disposed)`;
  const values = t.dataSync();
  let stats = "";
  if (t.dtype !== "string" && t.dtype !== "complex64" && values.length > 0) {
    let min = Infinity, max = -Infinity, sum = 0;
    for (const v of values) {
      if (v < min) min = v;
      if (v > max) max = v;
      sum += v;
    }
    stats = `  min ${formatNumber(min, "float32")} max ${formatNumber(max, "float32")} mean ${formatNumber(sum / values.length, "float32")}`;
  }
  const body = t.dtype === "complex64" ? "(complex values not shown)" : formatValues(values, t.shape, t.dtype, 3);
  return `${head}${stats}\n${body}`;
}

function isArqueroTable(v) {
  return v !== null && typeof v === "object" && typeof v.toHTML === "function" &&
    typeof v.numRows === "function" && typeof v.numCols === "function" && typeof v.toMarkdown === "function";
}

/** The MIME bundle Jupyter shows for a cell's value. */
function mimeBundle(value) {
  if (value !== null && typeof value === "object" && typeof value[MIME_BUNDLE] === "function") {
    const b = value[MIME_BUNDLE]();
    return { data: b.data, metadata: b.metadata || {} };
  }
  if (isTensor(value)) return { data: { "text/plain": tensorText(value) }, metadata: {} };
  if (isArqueroTable(value)) {
    const limit = 20;
    const more = value.numRows() > limit ? `\n(${value.numRows() - limit} more rows)` : "";
    const head = `Table ${value.numRows()} rows x ${value.numCols()} columns`;
    return {
      data: {
        "text/html": value.toHTML({ limit }) + (more ? `<p>${more.trim()}</p>` : ""),
        "text/plain": `${head}\n${value.toMarkdown({ limit })}${more}`,
      },
      metadata: {},
    };
  }
  return { data: { "text/plain": util.inspect(value, { depth: 4, colors: false, maxArrayLength: 100 }) }, metadata: {} };
}

// ---------------------------------------------------------------------------------------------
// Errors as Jupyter wants them: ename, evalue, traceback.

function errorContent(captured) {
  if (captured && captured.kind === "diagnostics") {
    const lines = captured.lines;
    const first = lines[0] || "type error";
    const more = lines.length > 1 ? ` (and ${lines.length - 1} more)` : "";
    return { ename: "TSError", evalue: first.replace(/^\d+:\d+ - /, "") + more, traceback: lines };
  }
  if (captured && captured.kind === "thrown") {
    const e = captured.value;
    if (isInterruptError(e)) {
      return { ename: "KeyboardInterrupt", evalue: INTERRUPT_MESSAGE, traceback: [`KeyboardInterrupt: ${INTERRUPT_MESSAGE}`] };
    }
    if (e instanceof Error || (e && typeof e === "object" && typeof e.message === "string")) {
      const ename = e.name || (e.constructor && e.constructor.name) || "Error";
      const stack = typeof e.stack === "string" ? e.stack.split("\n") : [`${ename}: ${e.message}`];
      // Drop the frames of the kernel itself: they say nothing about the cell.
      const traceback = stack.filter((l) => !/node_modules[\\/]tslab[\\/]|node:internal|hdlm-kernel\.js/.test(l));
      return { ename, evalue: String(e.message), traceback };
    }
    return { ename: "Uncaught", evalue: util.inspect(e), traceback: [`Uncaught ${util.inspect(e)}`] };
  }
  return { ename: "Error", evalue: "execution failed", traceback: ["execution failed"] };
}

/** A KeyboardInterrupt (from an interrupt check), tslab's abandon, or V8's SIGINT break of a script. */
function isInterruptError(e) {
  if (!e || typeof e !== "object") return false;
  if (e.name === "KeyboardInterrupt") return true;
  const m = String(e.message || "");
  return m === "Interrupted asynchronously" || m.startsWith("Script execution was interrupted");
}

function keyboardInterrupt() {
  const e = new Error(INTERRUPT_MESSAGE);
  e.name = "KeyboardInterrupt";
  return e;
}

/** The console tslab's executor reports to: we keep the last value and the error instead of printing. */
function createCapture() {
  const state = { hasValue: false, value: undefined, diagnostics: [], thrown: null };
  return {
    log(value) {
      state.hasValue = true;
      state.value = value;
    },
    error(...args) {
      // Diagnostics come as ("%s%d:%d - %s", file, line, col, text); thrown values come alone.
      if (typeof args[0] === "string" && args[0].startsWith("%s%d:%d")) state.diagnostics.push(util.format(...args));
      else state.thrown = { value: args[0] };
    },
    reset() {
      state.hasValue = false;
      state.value = undefined;
      state.diagnostics = [];
      state.thrown = null;
    },
    state,
  };
}

// ---------------------------------------------------------------------------------------------
// Wire format (the same as tslab's ZmqMessage, which it does not export).

const DELIM = Buffer.from("<IDS|MSG>");

class Message {
  static fromRaw(key, raw) {
    const m = new Message();
    const at = raw.findIndex((b) => b.equals(DELIM));
    if (at < 0) throw new Error("message missing delimiter");
    m.identity = raw.slice(0, at);
    const hmac = raw[at + 1].toString();
    const parts = raw.slice(at + 2);
    if (key) {
      const h = crypto.createHmac("sha256", key);
      // The signature covers header, parent, metadata and content; binary buffers are not signed.
      for (const p of parts.slice(0, 4)) h.update(p);
      const want = h.digest("hex");
      if (want !== hmac) throw new Error(`invalid hmac ${hmac}; want ${want}`);
    }
    m.header = JSON.parse(parts[0].toString());
    m.parent = JSON.parse(parts[1].toString());
    m.metadata = JSON.parse(parts[2].toString());
    m.content = JSON.parse(parts[3].toString());
    return m;
  }
  reply(msgType, content, identity) {
    const r = new Message();
    r.identity = identity === undefined ? this.identity : identity;
    r.header = {
      version: PROTOCOL_VERSION,
      date: new Date().toISOString(),
      session: this.header.session,
      username: this.header.username,
      msg_type: msgType,
      msg_id: crypto.randomBytes(16).toString("hex"),
    };
    r.parent = this.header;
    r.metadata = {};
    r.content = content;
    return r;
  }
  // tslab's handlers call createReply() then set msg_type and content.
  createReply() {
    return this.reply(this.header.msg_type, {});
  }
  signAndSend(key, sock) {
    const bodies = [this.header, this.parent, this.metadata, this.content].map((x) => JSON.stringify(x));
    const h = crypto.createHmac("sha256", key);
    for (const b of bodies) h.update(b);
    queuedSend(sock, [...this.identity, DELIM, key ? h.digest("hex") : "", ...bodies]);
  }
}

// zeromq 6 rejects a send while the socket's previous send is still pending ("Socket is busy
// writing"), which happens when a cell publishes many outputs (live progress) in a burst: chain the
// sends of each socket so they go out one at a time, in order.
const sendChains = new WeakMap();
function queuedSend(sock, frames) {
  const prev = sendChains.get(sock) || Promise.resolve();
  const next = prev
    .then(() => sock.send(frames))
    .catch((e) => {
      // After shutdown_request the sockets close while the last status messages are queued: expected.
      if (!/Socket is closed/.test(String(e && e.message))) log(`a message could not be sent: ${e && e.message}`);
    });
  sendChains.set(sock, next);
  return next;
}

/** Resolves once every message queued on `sock` so far has been handed to zeromq. */
function flushed(sock) {
  return sendChains.get(sock) || Promise.resolve();
}

// The kernel's own diagnostics go to the real stderr (the terminal of the Jupyter server), never to a
// cell: process.stdout/stderr.write are rerouted to the front end while the kernel runs.
const rawStderrWrite = process.stderr.write.bind(process.stderr);
function log(text) {
  rawStderrWrite(`hdlm-kernel: ${text}\n`);
}

// ---------------------------------------------------------------------------------------------
// The kernel.

class ExecutionFailed extends Error {
  constructor(count, content) {
    super(content.evalue);
    this.count = count;
    this.content = content;
  }
}

function globToRegExp(glob) {
  const esc = glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[\\s\\S]*").replace(/\?/g, "[\\s\\S]");
  return new RegExp(`^${esc}$`);
}

/** Text of a chunk given to stream.write (string, Buffer or Uint8Array). */
function chunkText(b) {
  return typeof b === "string" ? b : Buffer.from(b).toString("utf8");
}

/** Bare package names a cell imports (import/export ... from "x", import "x", require("x"), import("x")). */
function importedSpecifiers(code) {
  const out = new Set();
  const re = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)(["'])([^"'\n]+)\1/g;
  let m;
  while ((m = re.exec(code)) !== null) {
    const spec = m[2];
    if (spec.startsWith("node:") || spec === "tslab") continue;
    out.add(spec);
  }
  return [...out];
}

function createKernel(configPath) {
  const jupyter = tslabRequire("jupyter");
  const { createExecutor } = tslabRequire("executor");
  const { createConverter } = tslabRequire("converter");
  const { TaskQueue, TaskCanceledError, getVersion } = tslabRequire("util");
  const tsVersion = require(require.resolve("@tslab/typescript-for-tslab", { paths: [tslabDir] })).version;

  let nodeConverter = null;
  let browserConverter = null;
  const convs = {
    get node() {
      return nodeConverter || (nodeConverter = createConverter({ isJS: false, isBrowser: false }));
    },
    get browser() {
      return browserConverter || (browserConverter = createConverter({ isJS: false, isBrowser: true }));
    },
    close() {
      if (nodeConverter) nodeConverter.close();
      if (browserConverter) browserConverter.close();
    },
  };
  convs.node; // warm the compiler before the first cell
  const capture = createCapture();
  const executor = createExecutor(process.cwd(), convs, capture);
  const stock = new jupyter.JupyterHandlerImpl(executor, false);
  const sessionNumber = 1;
  const history = []; // { line, input, output }
  let execCount = 0;
  let queue = new TaskQueue();
  let server = null;

  // ---- Contexts: which request an output belongs to. ----------------------------------------
  // A context is { msg, out, interrupted, allowStdin }. Each execute_request (and each comm message
  // from the front end) runs inside als.run(context): timers and promises it creates inherit it, so
  // their output carries its parent header even after the cell returned.
  const als = new AsyncLocalStorage();
  let running = null; // the context of the cell now executing
  let lastCtx = null; // the context of the last cell (output from nowhere in particular goes there)
  const current = () => als.getStore() || running || lastCtx;

  const outFor = (msg) => {
    const key = server.connInfo.key;
    const publish = (type, content) => msg.reply(type, content, []).signAndSend(key, server.iopub);
    return {
      publish,
      stream: (name, text) => publish("stream", { name, text }),
      display: (data, update) => publish(update ? "update_display_data" : "display_data", data),
    };
  };
  /** Publishes on iopub with the current context as parent (or none before the first request). */
  const publishHere = (type, content) => {
    const c = current();
    if (c) return c.out.publish(type, content);
    const orphan = new Message();
    orphan.header = { session: "", username: "kernel" };
    orphan.reply(type, content, []).signAndSend(server.connInfo.key, server.iopub);
  };

  // stdout/stderr and tslab's display hook go to the context's cell.
  for (const name of ["stdout", "stderr"]) {
    const stream = process[name];
    const raw = stream.write.bind(stream);
    stream.write = (chunk, encoding, cb) => {
      const c = server && current();
      if (!c) return raw(chunk, encoding, cb);
      c.out.stream(name, chunkText(chunk));
      const done = typeof encoding === "function" ? encoding : cb;
      if (typeof done === "function") process.nextTick(done);
      return true;
    };
  }
  jupyter.lastWriteDisplayData = (data, update) => {
    const c = current();
    if (c) c.out.display(data, update);
  };

  // ---- Interrupt. ----------------------------------------------------------------------------
  let pendingInput = null; // { resolve, reject, ctx }
  function interrupt() {
    const c = running;
    if (pendingInput) {
      const p = pendingInput;
      pendingInput = null;
      p.reject(keyboardInterrupt());
    }
    if (!c || c.interrupted) return;
    c.interrupted = true;
    // A cell that reaches an interrupt check stops by itself (KeyboardInterrupt); one that does not is
    // abandoned after the grace period (its awaited promise loses the race in tslab's executor).
    setTimeout(() => {
      if (running === c) executor.interrupt();
    }, INTERRUPT_GRACE_MS).unref();
  }

  // ---- Comms. --------------------------------------------------------------------------------
  const comms = new Map(); // comm_id -> KernelComm
  const targets = new Map(); // target_name -> (comm, content) => void
  class KernelComm {
    constructor(commId, targetName) {
      this.commId = commId;
      this.targetName = targetName;
      this.closed = false;
      this.msgHandlers = [];
      this.closeHandlers = [];
    }
    send(data = {}, metadata = {}) {
      if (this.closed) throw new Error(`comm ${this.commId} (${this.targetName}) is closed`);
      publishHere("comm_msg", { comm_id: this.commId, data });
    }
    close(data = {}) {
      if (this.closed) return;
      this.closed = true;
      comms.delete(this.commId);
      publishHere("comm_close", { comm_id: this.commId, data });
    }
    onMsg(fn) {
      this.msgHandlers.push(fn);
    }
    onClose(fn) {
      this.closeHandlers.push(fn);
    }
  }
  const runHandlers = (fns, ...args) => {
    for (const fn of fns) {
      try {
        const r = fn(...args);
        if (r && typeof r.catch === "function") r.catch((e) => process.stderr.write(`comm handler failed: ${e && e.stack}\n`));
      } catch (e) {
        process.stderr.write(`comm handler failed: ${e && e.stack}\n`);
      }
    }
  };

  // ---- Modules that require() refuses (ESM with top-level await; ESM on Node < 20.19). ---------
  const esmCache = new Map(); // resolved path -> module namespace
  const cellRequire = globalThis.__tslab__.require;
  globalThis.__tslab__.require = new Proxy(cellRequire, {
    apply(target, thisArg, args) {
      const id = args[0];
      if (typeof id === "string" && esmCache.size > 0) {
        try {
          const resolved = require.resolve(id, { paths: [process.cwd()] });
          if (esmCache.has(resolved)) return esmCache.get(resolved);
        } catch {
          /* not resolvable from here: let tslab's require decide */
        }
      }
      return Reflect.apply(target, thisArg, args);
    },
  });
  async function preloadEsm(code) {
    for (const spec of importedSpecifiers(code)) {
      let resolved;
      try {
        resolved = require.resolve(spec, { paths: [process.cwd()] });
      } catch {
        continue;
      }
      if (esmCache.has(resolved) || require.cache[resolved] || !/\.(m?js)$/.test(resolved)) continue;
      try {
        require(resolved);
      } catch (e) {
        if (!e || !/^ERR_REQUIRE_(ESM|ASYNC_MODULE)$/.test(e.code)) continue;
        const ns = await import(pathToFileURL(resolved).href);
        // TypeScript's CommonJS output reads `default` through __importDefault: mark it as a module.
        esmCache.set(resolved, ns.__esModule ? ns : Object.assign(Object.create(null), ns, { __esModule: true }));
      }
    }
  }

  // ---- The library's view of the kernel. -------------------------------------------------------
  globalThis[KERNEL_API] = {
    version: 1,
    isInterrupted() {
      const c = als.getStore() || running;
      return Boolean(c && c.interrupted);
    },
    input(prompt, password) {
      const c = current();
      if (!c || !c.msg) return Promise.reject(new Error("input: no cell is running"));
      if (!c.allowStdin) {
        const e = new Error("this front end does not accept input (execute_request has allow_stdin: false)");
        e.name = "StdinNotImplementedError";
        return Promise.reject(e);
      }
      if (pendingInput) return Promise.reject(new Error("input: another prompt is waiting for its answer"));
      return new Promise((resolve, reject) => {
        pendingInput = { resolve, reject, ctx: c };
        c.msg.reply("input_request", { prompt: String(prompt), password: Boolean(password) }).signAndSend(server.connInfo.key, server.stdin);
      });
    },
    openComm(targetName, data = {}, metadata = {}) {
      const comm = new KernelComm(crypto.randomUUID().replace(/-/g, ""), targetName);
      comms.set(comm.commId, comm);
      publishHere("comm_open", { comm_id: comm.commId, target_name: targetName, data, metadata });
      return comm;
    },
    registerCommTarget(targetName, handler) {
      targets.set(targetName, handler);
      return () => {
        if (targets.get(targetName) === handler) targets.delete(targetName);
      };
    },
    listComms() {
      return [...comms.values()].map((c) => ({ commId: c.commId, targetName: c.targetName }));
    },
  };

  const handler = {
    handleKernel() {
      const info = stock.handleKernel();
      info.status = "ok";
      info.protocol_version = PROTOCOL_VERSION;
      info.implementation = "hdlm-lab";
      info.implementation_version = `tslab ${getVersion()}`;
      info.language_info.version = tsVersion;
      info.banner = `hdlm-lab kernel: TypeScript ${tsVersion} on Node ${process.version} (tslab ${getVersion()})`;
      return info;
    },
    handleIsComplete: (req) => stock.handleIsComplete(req),
    handleInspect: (req) => stock.handleInspect(req),
    handleComplete: (req) => stock.handleComplete(req),
    handleShutdown: (req) => ({ status: "ok", restart: Boolean(req.restart) }),
    close: () => executor.close(),

    async runCell(req, msg, out) {
      const silent = Boolean(req.silent);
      const store = !silent && req.store_history !== false;
      if (store) execCount += 1;
      const count = execCount;
      if (!silent) out.publish("execute_input", { code: req.code, execution_count: count });
      const entry = { line: count, input: req.code, output: null };
      if (store) history.push(entry);
      const ctx = { msg, out, interrupted: false, allowStdin: req.allow_stdin !== false };
      running = ctx;
      lastCtx = ctx;
      let ok;
      try {
        // busy and execute_input reach the front end before a cell that blocks the event loop.
        await flushed(server.iopub);
        capture.reset();
        ok = await als.run(ctx, async () => {
          await preloadEsm(req.code);
          return executor.execute(req.code);
        });
      } finally {
        if (running === ctx) running = null;
      }
      const st = capture.state;
      if (!ok) {
        const content = errorContent(st.diagnostics.length > 0 ? { kind: "diagnostics", lines: st.diagnostics } : st.thrown ? { kind: "thrown", value: st.thrown.value } : null);
        if (!silent) out.publish("error", content);
        throw new ExecutionFailed(count, content);
      }
      // A `//%module` cell succeeds even with diagnostics: show them, as tslab does.
      for (const d of st.diagnostics) out.stream("stderr", d + "\n");
      if (st.hasValue && !silent) {
        const bundle = mimeBundle(st.value);
        entry.output = bundle.data["text/plain"] || null;
        out.publish("execute_result", { execution_count: count, data: bundle.data, metadata: bundle.metadata });
      }
      capture.reset();
      return count;
    },

    async handleExecute(req, msg, out) {
      try {
        const count = await queue.add(() => this.runCell(req, msg, out));
        return { status: "ok", execution_count: count, payload: [], user_expressions: {} };
      } catch (e) {
        if (e instanceof TaskCanceledError) return { status: "abort", execution_count: execCount };
        let content = e instanceof ExecutionFailed ? e.content : errorContent({ kind: "thrown", value: e });
        const count = e instanceof ExecutionFailed ? e.count : execCount;
        // Like tslab (and ipykernel), an error aborts requests already queued, unless the client
        // asked for stop_on_error=false. tslab's queue reset drops whatever arrives within 200 ms.
        if (req.stop_on_error !== false) queue.reset(200);
        return { status: "error", execution_count: count, ...content };
      }
    },

    handleHistory(req) {
      const fmt = (h) => [sessionNumber, h.line, req.output ? [h.input, h.output] : h.input];
      let rows = [];
      if (req.hist_access_type === "tail") {
        rows = req.n ? history.slice(-req.n) : history.slice();
      } else if (req.hist_access_type === "range") {
        const sameSession = req.session === undefined || req.session === sessionNumber || req.session === 0 || req.session < 0;
        if (sameSession) {
          const start = req.start || 0;
          const stop = req.stop === undefined || req.stop === null ? Infinity : req.stop;
          rows = history.filter((h) => h.line >= start && h.line < stop);
        }
      } else if (req.hist_access_type === "search") {
        const re = globToRegExp(req.pattern || "*");
        rows = history.filter((h) => re.test(h.input));
        if (req.unique) {
          const seen = new Set();
          rows = rows.reverse().filter((h) => (seen.has(h.input) ? false : (seen.add(h.input), true))).reverse();
        }
        if (req.n) rows = rows.slice(-req.n);
      }
      return { status: "ok", history: rows.map(fmt) };
    },

    handleCommInfo(req) {
      const want = req.target_name;
      const out = {};
      for (const c of comms.values()) if (!want || c.targetName === want) out[c.commId] = { target_name: c.targetName };
      return { status: "ok", comms: out };
    },

    // Comm messages from the front end run in a context of their own: output of a handler goes to
    // the front end with the comm message as parent.
    handleCommOpen(msg) {
      const { comm_id: commId, target_name: targetName } = msg.content;
      const fn = targets.get(targetName);
      const out = outFor(msg);
      if (!fn) {
        // No such target (as ipykernel does): close it again so the front end knows.
        out.publish("comm_close", { comm_id: commId, data: {} });
        return;
      }
      const comm = new KernelComm(commId, targetName);
      comms.set(commId, comm);
      als.run({ msg, out, interrupted: false, allowStdin: false }, () => runHandlers([fn], comm, msg.content));
    },
    handleCommMsg(msg) {
      const comm = comms.get(msg.content.comm_id);
      if (!comm) return;
      als.run({ msg, out: outFor(msg), interrupted: false, allowStdin: false }, () => runHandlers(comm.msgHandlers, msg.content.data, msg.content));
    },
    handleCommClose(msg) {
      const comm = comms.get(msg.content.comm_id);
      if (!comm) return;
      comm.closed = true;
      comms.delete(comm.commId);
      als.run({ msg, out: outFor(msg), interrupted: false, allowStdin: false }, () => runHandlers(comm.closeHandlers, msg.content.data, msg.content));
    },
  };

  class Server extends jupyter.ZmqServer {
    async init() {
      await super.init();
      // tslab binds the stdin socket but never reads it: input_reply messages arrive here.
      (async () => {
        for await (const raw of this.stdin) {
          let msg;
          try {
            msg = Message.fromRaw(this.connInfo.key, raw);
          } catch (e) {
            log(`dropped a malformed stdin message: ${e.message}`);
            continue;
          }
          if (msg.header.msg_type !== "input_reply" || !pendingInput) continue;
          const p = pendingInput;
          pendingInput = null;
          p.resolve(String(msg.content.value ?? ""));
        }
      })().catch((e) => log(`stdin channel closed: ${e && e.message}`));
    }

    async handleShellMessage(sock, ...raw) {
      let msg;
      try {
        msg = Message.fromRaw(this.connInfo.key, raw);
      } catch (e) {
        log(`dropped a malformed message: ${e.message}`);
        return;
      }
      const key = this.connInfo.key;
      const send = (type, content) => msg.reply(type, content).signAndSend(key, sock);
      const out = outFor(msg);
      out.publish("status", { execution_state: "busy" });
      let terminated = false;
      try {
        switch (msg.header.msg_type) {
          case "kernel_info_request":
            send("kernel_info_reply", handler.handleKernel());
            break;
          case "execute_request":
            send("execute_reply", await handler.handleExecute(msg.content, msg, out));
            break;
          case "is_complete_request":
            send("is_complete_reply", handler.handleIsComplete(msg.content));
            break;
          case "inspect_request":
            send("inspect_reply", handler.handleInspect(msg.content));
            break;
          case "complete_request":
            send("complete_reply", handler.handleComplete(msg.content));
            break;
          case "history_request":
            send("history_reply", handler.handleHistory(msg.content));
            break;
          case "comm_info_request":
            send("comm_info_reply", handler.handleCommInfo(msg.content));
            break;
          case "comm_open":
            handler.handleCommOpen(msg);
            break;
          case "comm_msg":
            handler.handleCommMsg(msg);
            break;
          case "comm_close":
            handler.handleCommClose(msg);
            break;
          case "interrupt_request":
            interrupt();
            send("interrupt_reply", { status: "ok" });
            break;
          case "shutdown_request":
            send("shutdown_reply", handler.handleShutdown(msg.content));
            terminated = true;
            break;
          default:
            log(`unknown msg_type ${msg.header.msg_type}`);
        }
      } catch (e) {
        log(`${msg.header.msg_type} failed: ${e && e.stack}`);
      } finally {
        out.publish("status", { execution_state: "idle" });
      }
      if (terminated) {
        this.close();
        // Backends (wasm threads) may keep the loop alive; the client waits for us to go.
        setTimeout(() => process.exit(0), 200);
      }
    }
  }

  server = new Server(handler, configPath);
  process.on("SIGINT", interrupt);
  process.on("uncaughtException", (err) => {
    // An exception thrown by a cell's timer or callback: shown in the cell that started it.
    if (isInterruptError(err)) return;
    process.stderr.write(`Uncaught ${err && err.stack ? err.stack : util.inspect(err)}\n`);
  });
  process.on("unhandledRejection", (reason) => {
    if (isInterruptError(reason)) return; // an abandoned cell stopping at its next check
    process.stderr.write(`Unhandled promise rejection: ${reason && reason.stack ? reason.stack : util.inspect(reason)}\n`);
  });
  return server;
}

function main(argv) {
  const i = argv.indexOf("--config-path");
  if (i < 0 || !argv[i + 1]) {
    console.error("usage: hdlm-kernel --config-path <connection_file> (Jupyter passes it via kernel.json)");
    process.exit(2);
  }
  createKernel(argv[i + 1]).init().catch((e) => {
    console.error(`hdlm-kernel: could not start: ${e && e.message}`);
    process.exit(1);
  });
}

module.exports = { mimeBundle, tensorText, formatValues, errorContent, globToRegExp, importedSpecifiers, isInterruptError, MIME_BUNDLE, KERNEL_API };

if (require.main === module) main(process.argv.slice(2));
