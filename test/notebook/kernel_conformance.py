# The Jupyter kernel test suite (jupyter_kernel_test.KernelTests) run against the hdlm-lab kernel,
# plus checks of what the suite does not cover (execute_input, comm_info, error fields, rich reprs).
#
# Run: bash scripts/kernel-conformance.sh   (HDLM_KERNEL=tslab-stock to measure stock tslab)
import os
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

    # --- checks beyond the stock suite -------------------------------------------------------

    def _run(self, code):
        self.flush_channels()
        msg_id = self.kc.execute(code=code)
        reply = self.get_non_kernel_info_reply(timeout=TIMEOUT)
        validate_message(reply, "execute_reply", msg_id)
        msgs = []
        while True:
            msg = run_sync(self.kc.iopub_channel.get_msg)(timeout=TIMEOUT)
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
        msg_id = self.kc.comm_info()
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


if __name__ == "__main__":
    unittest.main()
