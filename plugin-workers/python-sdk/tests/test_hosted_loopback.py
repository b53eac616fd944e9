"""run_loopback --caller-secret-stdin, as `credvend dev` starts an installed worker: the secret on
stdin (never in its environment), a JSON ready line, the end of stdin ends the process."""

import http.client
import json
import os
import subprocess
import sys
import unittest

from credvend.plugin.v1 import plugin_pb2 as pb

from .support import SECRET, framed

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = "from tests.support import DemoWorker\nfrom credvend_worker import run_loopback\nrun_loopback(DemoWorker(), ['--caller-secret-stdin'])\n"
DESCRIBE = "/credvend.plugin.v1.PluginService/Describe"


def start(stdin_text):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": ROOT, "PYTHONDONTWRITEBYTECODE": "1"}
    child = subprocess.Popen([sys.executable, "-c", SCRIPT], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
    child.stdin.write(stdin_text)
    child.stdin.flush()
    return child


def describe_status(port, secret):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    headers = {"content-type": "application/grpc-web+proto"}
    if secret is not None:
        headers["x-credvend-caller-secret"] = secret
    connection.request("POST", DESCRIBE, body=framed(pb.DescribeRequest()), headers=headers)
    status = connection.getresponse().status
    connection.close()
    return status


class HostedLoopbackTest(unittest.TestCase):
    def test_the_secret_from_stdin_is_the_only_one_accepted_and_the_end_of_stdin_ends_it(self):
        child = start((SECRET + "\n").encode())
        try:
            ready = json.loads(child.stdout.readline())
            port = ready["credvendHost"]["port"]
            self.assertEqual(describe_status(port, SECRET), 200)
            self.assertEqual(describe_status(port, None), 403)
            self.assertEqual(describe_status(port, SECRET + "x"), 403)
            child.stdin.close()  # the host gone
            self.assertEqual(child.wait(timeout=10), 0)
        finally:
            child.kill()
            child.stdout.close()

    def test_no_secret_on_stdin_reports_an_error_and_exits(self):
        child = start(b"")
        child.stdin.close()
        try:
            ready = json.loads(child.stdout.readline())
            self.assertEqual(ready, {"credvendHost": {"error": "no caller secret on stdin"}})
            self.assertEqual(child.wait(timeout=10), 1)
        finally:
            child.kill()
            child.stdout.close()


if __name__ == "__main__":
    unittest.main()
