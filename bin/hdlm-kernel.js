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
// - `execute_input` is broadcast; history_request, comm_info_request and interrupt_request are answered.
// Usage (written into .jupyter/kernels/hdlm-lab/kernel.json by scripts/kernelspec.sh):
//   node bin/hdlm-kernel.js --config-path <connection_file>
"use strict";
const crypto = require("crypto");
const path = require("path");
const util = require("util");

const tslabDir = path.dirname(require.resolve("tslab/package.json", { paths: [__dirname] }));
const tslabRequire = (rel) => require(path.join(tslabDir, "dist", rel));

/** Protocol version this kernel speaks. */
const PROTOCOL_VERSION = "5.3";
/** Symbol an object can implement to choose its own rich repr: () => ({ data, metadata? }). */
const MIME_BUNDLE = Symbol.for("hdlm.mimebundle");

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
      for (const p of parts.slice(0, 4)) h.update(p);
      for (const p of parts.slice(4)) h.update(p);
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
    .catch((e) => console.error(`hdlm-kernel: a message could not be sent: ${e && e.message}`));
  sendChains.set(sock, next);
  return next;
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

    async runCell(req, out) {
      process.stdout.write = (b) => (out.stream("stdout", typeof b === "string" ? b : Buffer.from(b).toString("utf8")), true);
      process.stderr.write = (b) => (out.stream("stderr", typeof b === "string" ? b : Buffer.from(b).toString("utf8")), true);
      jupyter.lastWriteDisplayData = out.display;
      const silent = Boolean(req.silent);
      const store = !silent && req.store_history !== false;
      if (store) execCount += 1;
      const count = execCount;
      if (!silent) out.publish("execute_input", { code: req.code, execution_count: count });
      const entry = { line: count, input: req.code, output: null };
      if (store) history.push(entry);
      capture.reset();
      const ok = await executor.execute(req.code);
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

    async handleExecute(req, out) {
      try {
        const count = await queue.add(() => this.runCell(req, out));
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
  };

  class Server extends jupyter.ZmqServer {
    async handleShellMessage(sock, ...raw) {
      let msg;
      try {
        msg = Message.fromRaw(this.connInfo.key, raw);
      } catch (e) {
        console.warn(`hdlm-kernel: dropped a malformed message: ${e.message}`);
        return;
      }
      const key = this.connInfo.key;
      const send = (type, content) => msg.reply(type, content).signAndSend(key, sock);
      const publish = (type, content) => msg.reply(type, content, []).signAndSend(key, this.iopub);
      publish("status", { execution_state: "busy" });
      let terminated = false;
      try {
        switch (msg.header.msg_type) {
          case "kernel_info_request":
            send("kernel_info_reply", handler.handleKernel());
            break;
          case "execute_request": {
            const out = {
              publish,
              stream: (name, text) => publish("stream", { name, text }),
              display: (data, update) => publish(update ? "update_display_data" : "display_data", data),
            };
            send("execute_reply", await handler.handleExecute(msg.content, out));
            break;
          }
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
            // No comms (widgets) in this kernel: an empty, correctly typed answer.
            send("comm_info_reply", { status: "ok", comms: {} });
            break;
          case "interrupt_request":
            executor.interrupt();
            send("interrupt_reply", { status: "ok" });
            break;
          case "shutdown_request":
            send("shutdown_reply", handler.handleShutdown(msg.content));
            terminated = true;
            break;
          default:
            console.warn(`hdlm-kernel: unknown msg_type ${msg.header.msg_type}`);
        }
      } finally {
        publish("status", { execution_state: "idle" });
      }
      if (terminated) {
        this.close();
        // Backends (wasm threads) may keep the loop alive; the client waits for us to go.
        setTimeout(() => process.exit(0), 200);
      }
    }
  }

  const server = new Server(handler, configPath);
  process.on("SIGINT", () => executor.interrupt());
  process.on("uncaughtException", (err) => console.error("UncaughtException:", err));
  process.on("unhandledRejection", (reason) => console.error("UnhandledPromiseRejection:", reason));
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

module.exports = { mimeBundle, tensorText, formatValues, errorContent, globToRegExp, MIME_BUNDLE };

if (require.main === module) main(process.argv.slice(2));
