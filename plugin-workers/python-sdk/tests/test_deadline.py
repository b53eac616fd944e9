"""The caller's deadline (grpc-timeout) over loopback: a step still running when it passes is
answered DEADLINE_EXCEEDED at once, a quick one is answered as usual, a malformed header is refused,
and a step that fails after the deadline is still reported (never to the caller)."""

import http.client
import threading
import time
import unittest
import urllib.parse

from credvend.plugin.v1 import plugin_pb2 as pb
from credvend_worker import serve_loopback
from credvend_worker.deadline import DEADLINE_MESSAGE, parse_grpc_timeout
from credvend_worker.errors import DEADLINE_EXCEEDED, INVALID_ARGUMENT, OK

from .support import SECRET, DemoWorker, framed, read_answer, scope


class SlowWorker(DemoWorker):
    """Validation that takes `delay` seconds, then fails when `fail_late` is set."""

    delay = 0.0
    fail_late = False

    def validate(self, scopes):
        time.sleep(self.delay)
        if self.fail_late:
            raise RuntimeError("the upstream went away")
        return super().validate(scopes)


class DeadlineTest(unittest.TestCase):
    def setUp(self):
        self.worker = SlowWorker()
        self.errors = []
        self.server = serve_loopback(self.worker, caller_secret=SECRET, on_error=lambda e, m: self.errors.append((str(e), m)), on_refused=lambda r, m: None)
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        self.connection = http.client.HTTPConnection("127.0.0.1", self.server.server_address[1], timeout=10)

    def tearDown(self):
        self.connection.close()
        self.server.shutdown()
        self.server.server_close()

    def validate(self, timeout=None):
        headers = {"content-type": "application/grpc-web+proto", "x-credvend-caller-secret": SECRET}
        if timeout is not None:
            headers["grpc-timeout"] = timeout
        started = time.monotonic()
        self.connection.request("POST", "/credvend.plugin.v1.PluginService/ValidateScope", body=framed(pb.ValidateScopeRequest(scopes=[scope()])), headers=headers)
        response = self.connection.getresponse()
        answer = read_answer(response.read(), pb.ValidateScopeResponse)
        return answer, time.monotonic() - started

    def test_a_step_past_the_deadline_is_answered_deadline_exceeded_at_the_deadline(self):
        self.worker.delay = 2.0
        (message, status, text), elapsed = self.validate("100m")
        self.assertEqual((message, status), (None, DEADLINE_EXCEEDED))
        self.assertIn("deadline", text)
        self.assertGreaterEqual(elapsed, 0.1)
        self.assertLess(elapsed, 1.5)  # not the step's 2 s

    def test_a_quick_step_is_answered_as_usual_with_or_without_a_deadline(self):
        for timeout in (None, "5S", "99999999n"):
            (message, status, _), _ = self.validate(timeout)
            self.assertEqual(status, OK, timeout)
            self.assertTrue(message.results[0].valid)

    def test_a_malformed_grpc_timeout_is_refused_as_invalid_argument(self):
        for bad in ("soon", "100", "123456789m", "1x", "-5m"):
            (message, status, text), _ = self.validate(bad)
            self.assertEqual((message, status), (None, INVALID_ARGUMENT), bad)
            self.assertIn("invalid grpc timeout value", urllib.parse.unquote(text))

    def test_a_step_that_fails_after_the_deadline_is_reported_to_the_worker_not_the_caller(self):
        self.worker.delay, self.worker.fail_late = 0.3, True
        (_, status, text), _ = self.validate("20m")
        self.assertEqual(status, DEADLINE_EXCEEDED)
        self.assertNotIn("upstream", text)
        time.sleep(0.6)
        self.assertEqual(self.errors, [("the upstream went away", "ValidateScope")])

    def test_parse_grpc_timeout(self):
        self.assertIsNone(parse_grpc_timeout(None))
        self.assertEqual(parse_grpc_timeout("2S"), 2.0)
        self.assertAlmostEqual(parse_grpc_timeout("50m"), 0.05)
        self.assertEqual(parse_grpc_timeout("1H"), 3600.0)
        self.assertTrue(DEADLINE_MESSAGE.startswith("the call's deadline"))


if __name__ == "__main__":
    unittest.main()
