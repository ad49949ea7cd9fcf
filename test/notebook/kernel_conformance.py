# The Jupyter kernel test suite (jupyter_kernel_test.KernelTests) run against the hdlm-lab kernel,
# plus checks of what the suite does not cover (execute_input, comm_info, error fields, rich reprs,
# interrupt with state kept, parent headers of late output, stdin, comms, ESM imports).
#
# Run: bash scripts/kernel-conformance.sh   (HDLM_KERNEL=tslab-stock to measure stock tslab)
# The kernel runs with cwd test/notebook: cells import the built library as "../../dist".
import os
import time
import unittest

import jupyter_kernel_test
from jupyter_client.utils import run_sync
from jupyter_kernel_test.msgspec_v5 import validate_message

TIMEOUT = 30


class HdlmKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = os.environ.get("HDLM_KERNEL", "hdlm-lab")
    language_name = "typescript"
    file_extension = ".ts"

    code_hello_world = 'console.log("hello, world")'
    code_stderr = 'console.error("to stderr")'
    completion_samples = [
        {"text": "const fooBarBaz = 1;\nfooBar", "matches": {"fooBarBaz"}},
        {"text": "Math.ma", "matches": {"max"}},
    ]
    complete_code_samples = ["1 + 1", "let x = 3;", "function f() { return 1; }"]
    incomplete_code_samples = ["function f() {", "let y = (1 +", "const s = [1, 2,"]
    code_inspect_sample = "Math.max"
    code_generate_error = 'throw new Error("boom")'
    code_execute_result = [
        {"code": "1 + 2", "result": "3"},
        {"code": "'a' + 'b'", "result": "'ab'"},
        {"code": "[1, 2, 3].map((v) => v * 2)", "result": "[ 2, 4, 6 ]"},
    ]
    code_display_data = [
        {"code": 'import * as tslab from "tslab";\ntslab.display.html("<b>hi</b>")', "mime": "text/html"},
        {"code": 'import * as tslab2 from "tslab";\ntslab2.display.text("plain")', "mime": "text/plain"},
    ]
    code_history_pattern = "1 + 2*"
    supported_history_operations = ("tail", "range", "search")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Drain the start-up messages (the kernel_info_reply of wait_for_ready) without validating them:
        # test_kernel_info checks that reply itself, and a bad one should fail that test only, even when a
        # single test is run (HDLM_KERNEL=tslab-stock bash scripts/kernel-conformance.sh kernel_conformance.HdlmKernelTests.test_x).
        for channel in (cls.kc.shell_channel, cls.kc.iopub_channel):
            while True:
                try:
                    run_sync(channel.get_msg)(timeout=0.5)
                except Exception:  # queue.Empty
                    break

    # --- checks beyond the stock suite -------------------------------------------------------

    def _run(self, code):
        self.flush_channels()
        msg_id = self.kc.execute(code=code)
        reply = self.get_non_kernel_info_reply(timeout=TIMEOUT)
        validate_message(reply, "execute_reply", msg_id)
        msgs = []
        while True:
            msg = run_sync(self.kc.iopub_channel.get_msg)(timeout=TIMEOUT)
            if not msg["msg_type"].startswith("comm_"):  # (the suite's msgspec has no comm schemas)
                validate_message(msg, msg["msg_type"], msg_id)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "status":
                if msg["content"]["execution_state"] == "idle":
                    break
                continue
            msgs.append(msg)
        return reply, msgs

    def test_kernel_info_status_and_version(self):
        self.flush_channels()
        msg_id = self.kc.kernel_info()
        reply = self.kc.get_shell_msg(timeout=TIMEOUT)
        validate_message(reply, "kernel_info_reply", msg_id)
        self.assertEqual(reply["content"].get("status"), "ok")
        # The TypeScript that compiles cells is tslab's embedded 5.0.x.
        self.assertTrue(reply["content"]["language_info"]["version"].startswith("5.0."),
                        reply["content"]["language_info"]["version"])

    def test_execute_input_broadcast(self):
        code = "const ei = 41 + 1;"
        reply, msgs = self._run(code)
        inputs = [m for m in msgs if m["msg_type"] == "execute_input"]
        self.assertEqual(len(inputs), 1, [m["msg_type"] for m in msgs])
        self.assertEqual(inputs[0]["content"]["code"], code)
        self.assertEqual(inputs[0]["content"]["execution_count"], reply["content"]["execution_count"])

    def test_execution_count_increments(self):
        r1, _ = self._run("const ec1 = 1;")
        r2, msgs = self._run("ec1 + 1")
        self.assertIsInstance(r1["content"]["execution_count"], int)
        self.assertEqual(r2["content"]["execution_count"], r1["content"]["execution_count"] + 1)
        results = [m for m in msgs if m["msg_type"] == "execute_result"]
        self.assertEqual(len(results), 1)
        self.assertEqual(results[0]["content"]["execution_count"], r2["content"]["execution_count"])
        self.assertEqual(results[0]["content"]["data"]["text/plain"], "2")
        # The value is the result, not also a stdout print.
        self.assertFalse([m for m in msgs if m["msg_type"] == "stream"])

    def test_error_reply_fields(self):
        reply, msgs = self._run('throw new RangeError("out of range: 7")')
        self.assertEqual(reply["content"]["status"], "error")
        self.assertEqual(reply["content"]["ename"], "RangeError")
        self.assertEqual(reply["content"]["evalue"], "out of range: 7")
        self.assertTrue(reply["content"]["traceback"])
        errors = [m for m in msgs if m["msg_type"] == "error"]
        self.assertEqual(len(errors), 1)
        self.assertEqual(errors[0]["content"]["ename"], "RangeError")

    def test_type_error_is_an_error(self):
        reply, msgs = self._run('const te: number = "not a number";')
        self.assertEqual(reply["content"]["status"], "error")
        self.assertIn("not assignable", reply["content"]["evalue"])
        self.assertEqual([m["msg_type"] for m in msgs if m["msg_type"] != "execute_input"], ["error"])

    def test_async_rejection_is_an_error(self):
        reply, _ = self._run('await Promise.reject(new TypeError("async boom"))')
        self.assertEqual(reply["content"]["status"], "error")
        self.assertEqual(reply["content"]["ename"], "TypeError")

    def test_comm_info(self):
        self.flush_channels()
        msg_id = self.kc.comm_info(target_name="no.such.target")
        reply = self.get_non_kernel_info_reply(timeout=TIMEOUT)
        validate_message(reply, "comm_info_reply", msg_id)
        self.assertEqual(reply["content"]["comms"], {})

    def test_tensor_repr(self):
        code = ('import * as tfc from "@tensorflow/tfjs-core";\nimport "@tensorflow/tfjs-backend-cpu";\n'
                'tfc.tensor2d([[1, 2, 3], [4, 5, 6]])')
        reply, msgs = self._run(code)
        self.assertEqual(reply["content"]["status"], "ok", reply["content"])
        results = [m for m in msgs if m["msg_type"] == "execute_result"]
        self.assertEqual(len(results), 1)
        text = results[0]["content"]["data"]["text/plain"]
        self.assertIn("shape [2,3]", text)
        self.assertIn("float32", text)
        self.assertIn("[4, 5, 6]", text)

    def test_table_repr_is_html(self):
        reply, msgs = self._run('import * as aq from "arquero";\naq.table({ word: ["a", "b"], n: [3, 4] })')
        self.assertEqual(reply["content"]["status"], "ok", reply["content"])
        results = [m for m in msgs if m["msg_type"] == "execute_result"]
        self.assertEqual(len(results), 1)
        self.assertIn("<table", results[0]["content"]["data"]["text/html"])
        self.assertIn("text/plain", results[0]["content"]["data"])


    # --- issue 14: interrupt, late output, stdin, comms, ESM ------------------------------------

    def _iopub_until(self, done, timeout=TIMEOUT):
        """iopub messages until done(msgs) is true (or the timeout)."""
        msgs = []
        end = time.time() + timeout
        while not done(msgs):
            left = end - time.time()
            if left <= 0:
                self.fail(f"timed out; iopub so far: {[(m['msg_type'], m['content']) for m in msgs]}")
            try:
                msgs.append(run_sync(self.kc.iopub_channel.get_msg)(timeout=left))
            except Exception:  # queue.Empty
                continue
        return msgs

    def _shell_reply(self, msg_id, timeout=TIMEOUT):
        end = time.time() + timeout
        while True:
            reply = self.kc.get_shell_msg(timeout=max(0.1, end - time.time()))
            if reply["parent_header"].get("msg_id") == msg_id:
                return reply

    def _send_shell(self, msg_type, content):
        msg = self.kc.session.msg(msg_type, content)
        self.kc.shell_channel.send(msg)
        return msg["header"]["msg_id"]

    def _interrupt_long_cell(self, code, how, started_marker=None):
        """Runs `code`, interrupts it `how` ("signal" or "message") once it runs, returns (reply, seconds
        from the interrupt to the reply)."""
        self.flush_channels()
        msg_id = self.kc.execute(code=code)
        if started_marker:
            self._iopub_until(lambda ms: any(m["msg_type"] == "stream" and started_marker in m["content"]["text"] for m in ms))
        else:
            time.sleep(1.5)
        t0 = time.time()
        if how == "signal":
            self.km.interrupt_kernel()  # kernel.json: interrupt_mode signal -> SIGINT
        else:
            msg = self.kc.session.msg("interrupt_request", {})
            self.kc.control_channel.send(msg)
        reply = self._shell_reply(msg_id)
        return reply, time.time() - t0

    def _assert_interrupted_and_state_kept(self, reply, seconds, name):
        self.assertEqual(reply["content"]["status"], "error", reply["content"])
        self.assertEqual(reply["content"]["ename"], "KeyboardInterrupt", reply["content"])
        self.assertLess(seconds, 2.0, f"{name}: the cell took {seconds:.2f}s to stop after the interrupt")
        r, msgs = self._run(f"keptBefore_{name} + 1")
        self.assertEqual(r["content"]["status"], "ok", r["content"])
        results = [m for m in msgs if m["msg_type"] == "execute_result"]
        self.assertEqual(results[0]["content"]["data"]["text/plain"], "42")

    def test_interrupt_training_loop_by_signal_keeps_state(self):
        # Synchronous tfjs steps with an interrupt check between them (what the trainer does).
        self._run("const keptBefore_sig = 41;")
        code = (
            'import * as tfi from "@tensorflow/tfjs-core";\nimport "@tensorflow/tfjs-backend-cpu";\n'
            'import { interruptibleLoop } from "../../dist";\n'
            'await tfi.setBackend("cpu");\n'
            'let w = tfi.randomNormal([64, 64]);\n'
            'console.log("training started");\n'
            'await interruptibleLoop(1_000_000, () => { const next = tfi.tidy(() => tfi.matMul(w, w).div(64)); w.dispose(); w = next; });'
        )
        reply, secs = self._interrupt_long_cell(code, "signal", started_marker="training started")
        self._assert_interrupted_and_state_kept(reply, secs, "sig")

    def test_interrupt_by_interrupt_request_keeps_state(self):
        self._run("const keptBefore_msg = 41;")
        code = (
            'import { checkInterrupt } from "../../dist";\n'
            'let spins = 0;\nconsole.log("loop started");\n'
            'while (true) { for (let i = 0; i < 100000; i++) spins += i & 1; await checkInterrupt(); }'
        )
        reply, secs = self._interrupt_long_cell(code, "message", started_marker="loop started")
        self._assert_interrupted_and_state_kept(reply, secs, "msg")

    def test_interrupt_synchronous_busy_loop_by_signal(self):
        # No check at all, no await: V8 cuts the script (breakOnSigint).
        self._run("const keptBefore_busy = 41;")
        reply, secs = self._interrupt_long_cell("let busy = 0;\nwhile (true) { busy++; }", "signal")
        self._assert_interrupted_and_state_kept(reply, secs, "busy")

    def test_late_output_carries_its_cells_parent_header(self):
        self.flush_channels()
        a = self.kc.execute(code='setTimeout(() => console.log("late from A"), 600);\n'
                                 'new Promise((r) => setTimeout(r, 300)).then(() => console.log("promise from A"));\n"A returned"')
        self._shell_reply(a)
        b = self.kc.execute(code='await new Promise((r) => setTimeout(r, 1200));\nconsole.log("from B")')
        msgs = self._iopub_until(lambda ms: any(m["msg_type"] == "stream" and "from B" in m["content"]["text"] for m in ms))
        self._shell_reply(b)
        parent = {m["content"]["text"].strip(): m["parent_header"]["msg_id"] for m in msgs if m["msg_type"] == "stream"}
        self.assertEqual(parent.get("late from A"), a, parent)
        self.assertEqual(parent.get("promise from A"), a, parent)
        self.assertEqual(parent.get("from B"), b, parent)

    def test_update_display_data_targets_the_display(self):
        self.flush_channels()
        a = self.kc.execute(code='import { LiveDisplay } from "../../dist";\n'
                                 'const liveA = new LiveDisplay();\nliveA.show({ "text/plain": "v1" });\n'
                                 'setTimeout(() => liveA.show({ "text/plain": "v2" }), 500);')
        self._shell_reply(a)
        msgs = self._iopub_until(lambda ms: any(m["msg_type"] == "update_display_data" for m in ms))
        shown = [m for m in msgs if m["msg_type"] == "display_data"]
        updated = [m for m in msgs if m["msg_type"] == "update_display_data"]
        for m in shown + updated:
            validate_message(m, m["msg_type"], a)
        self.assertEqual(updated[0]["content"]["data"]["text/plain"], "v2")
        self.assertEqual(updated[0]["content"]["transient"]["display_id"], shown[0]["content"]["transient"]["display_id"])
        self.assertEqual(updated[0]["parent_header"]["msg_id"], a)

    def test_stdin_prompt(self):
        self.flush_channels()
        msg_id = self.kc.execute(code='import { prompt } from "../../dist";\n'
                                      'const answer = await prompt("your name? ");\nconsole.log(`got ${answer}`);',
                                 allow_stdin=True)
        req = self.kc.get_stdin_msg(timeout=TIMEOUT)
        # (jupyter_kernel_test 0.4.5's schema wants a number for `password`; the spec says boolean.)
        self.assertEqual(req["msg_type"], "input_request")
        self.assertEqual(req["parent_header"]["msg_id"], msg_id)
        self.assertEqual(req["content"], {"prompt": "your name? ", "password": False})
        self.kc.input("Ada")
        reply = self._shell_reply(msg_id)
        self.assertEqual(reply["content"]["status"], "ok", reply["content"])
        msgs = self._iopub_until(lambda ms: any(m["msg_type"] == "stream" and "got Ada" in m["content"]["text"] for m in ms))
        self.assertTrue(msgs)

    def test_stdin_refused_without_allow_stdin(self):
        self.flush_channels()
        msg_id = self.kc.execute(code='import { prompt as ask } from "../../dist";\nawait ask("never asked? ")', allow_stdin=False)
        reply = self._shell_reply(msg_id)
        self.assertEqual(reply["content"]["status"], "error")
        self.assertEqual(reply["content"]["ename"], "StdinNotImplementedError")

    def test_comm_opened_by_kernel(self):
        self.flush_channels()
        code = ('import { openComm } from "../../dist";\n'
                'const commK = openComm("hdlm.test.kernel", { hello: 1 });\n'
                'commK.onMsg((data) => commK.send({ echo: data }));\n'
                'commK.onClose(() => console.log("closed by front end"));')
        reply, msgs = self._run(code)
        self.assertEqual(reply["content"]["status"], "ok", reply["content"])
        opens = [m for m in msgs if m["msg_type"] == "comm_open"]
        self.assertEqual(len(opens), 1)
        self.assertEqual(opens[0]["parent_header"]["msg_id"], reply["parent_header"]["msg_id"])
        self.assertEqual(opens[0]["content"]["target_name"], "hdlm.test.kernel")
        self.assertEqual(opens[0]["content"]["data"], {"hello": 1})
        comm_id = opens[0]["content"]["comm_id"]
        info_id = self.kc.comm_info(target_name="hdlm.test.kernel")
        info = self._shell_reply(info_id)
        validate_message(info, "comm_info_reply", info_id)
        self.assertEqual(info["content"]["comms"], {comm_id: {"target_name": "hdlm.test.kernel"}})
        # front end -> kernel message; the kernel's answer has the front end's message as parent
        sent = self._send_shell("comm_msg", {"comm_id": comm_id, "data": {"x": 2}})
        msgs = self._iopub_until(lambda ms: any(m["msg_type"] == "comm_msg" for m in ms))
        echo = [m for m in msgs if m["msg_type"] == "comm_msg"][0]
        self.assertEqual(echo["parent_header"]["msg_id"], sent)
        self.assertEqual(echo["content"], {"comm_id": comm_id, "data": {"echo": {"x": 2}}})
        # front end closes it: the kernel's handler runs and comm_info no longer lists it
        closed = self._send_shell("comm_close", {"comm_id": comm_id, "data": {}})
        msgs = self._iopub_until(lambda ms: any(m["msg_type"] == "stream" and "closed by front end" in m["content"]["text"] for m in ms))
        self.assertEqual([m for m in msgs if m["msg_type"] == "stream"][0]["parent_header"]["msg_id"], closed)
        info_id = self.kc.comm_info()
        self.assertNotIn(comm_id, self._shell_reply(info_id)["content"]["comms"])

    def test_comm_opened_by_front_end(self):
        self.flush_channels()
        code = ('import { registerCommTarget } from "../../dist";\n'
                'registerCommTarget("hdlm.test.echo", (comm, data) => {\n'
                '  comm.send({ opened: data });\n'
                '  comm.onMsg((d) => { comm.send({ got: d }); comm.close({ bye: true }); });\n'
                '});')
        reply, _ = self._run(code)
        self.assertEqual(reply["content"]["status"], "ok", reply["content"])
        comm_id = "f0e1d2c3b4a5968778695a4b3c2d1e0f"
        self._send_shell("comm_open", {"comm_id": comm_id, "target_name": "hdlm.test.echo", "data": {"v": 1}})
        msgs = self._iopub_until(lambda ms: any(m["msg_type"] == "comm_msg" for m in ms))
        self.assertEqual([m for m in msgs if m["msg_type"] == "comm_msg"][0]["content"]["data"], {"opened": {"v": 1}})
        self._send_shell("comm_msg", {"comm_id": comm_id, "data": {"ping": 3}})
        msgs = self._iopub_until(lambda ms: any(m["msg_type"] == "comm_close" for m in ms))
        self.assertEqual([m for m in msgs if m["msg_type"] == "comm_msg"][0]["content"]["data"], {"got": {"ping": 3}})
        self.assertEqual([m for m in msgs if m["msg_type"] == "comm_close"][0]["content"], {"comm_id": comm_id, "data": {"bye": True}})
        # a comm_open for a target nobody registered is closed again
        self._send_shell("comm_open", {"comm_id": "00112233445566778899aabbccddeeff", "target_name": "no.such.target", "data": {}})
        msgs = self._iopub_until(lambda ms: any(m["msg_type"] == "comm_close" for m in ms))
        self.assertEqual([m for m in msgs if m["msg_type"] == "comm_close"][0]["content"]["comm_id"], "00112233445566778899aabbccddeeff")

    def test_esm_only_package_with_top_level_await(self):
        reply, msgs = self._run('import greet, { answer } from "./fixtures/esm-tla/index.js";\n`${greet("esm")} ${answer}`')
        self.assertEqual(reply["content"]["status"], "ok", reply["content"])
        results = [m for m in msgs if m["msg_type"] == "execute_result"]
        self.assertEqual(results[0]["content"]["data"]["text/plain"], "'hello, esm 42'")


if __name__ == "__main__":
    unittest.main()
