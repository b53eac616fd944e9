"""The protocol through the SDK over real HTTP on loopback (and the Lambda handler): Describe from
the worker's shape, Prepare = validate + analyze + serialize, invalid scopes never reach the
worker, typed errors mapped to the protocol's codes, internals never reach the caller, size caps."""

import http.client
import io
import threading
import unittest
from contextlib import redirect_stderr

from credvend.plugin.v1 import plugin_pb2 as pb
from credvend_worker import Worker, capabilities_of, serve_loopback
from credvend_worker.errors import INTERNAL, INVALID_ARGUMENT, OK

from .support import SECRET, DemoWorker, framed, read_answer, scope

PREFIX = "/credvend.plugin.v1.PluginService/"
GRPC_WEB = "application/grpc-web+proto"


class LoopbackTest(unittest.TestCase):
    def setUp(self):
        self.worker = DemoWorker()
        self.errors = []
        self.server = serve_loopback(
            self.worker, caller_secret=SECRET, max_body_bytes=4096, on_error=lambda e, m: self.errors.append((e, m)), on_refused=lambda r, m: None
        )
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        self.connection = http.client.HTTPConnection("127.0.0.1", self.server.server_address[1], timeout=5)

    def tearDown(self):
        self.connection.close()
        self.server.shutdown()
        self.server.server_close()

    def post(self, method, body, secret=SECRET, content_type=GRPC_WEB):
        headers = {"content-type": content_type}
        if secret is not None:
            headers["x-credvend-caller-secret"] = secret
        self.connection.request("POST", PREFIX + method, body=body, headers=headers)
        response = self.connection.getresponse()
        return response, response.read()

    def rpc(self, method, request, response_type):
        response, body = self.post(method, framed(request))
        self.assertEqual(response.status, 200)
        return read_answer(body, response_type)

    def test_describe_follows_the_worker(self):
        message, status, _ = self.rpc("Describe", pb.DescribeRequest(), pb.DescribeResponse)
        self.assertEqual(status, OK)
        self.assertEqual((message.name, message.version, message.protocol, message.protocol_version), ("demo", "1.2.3", "credvend.plugin.v1", "1.2"))
        self.assertEqual(list(message.providers), ["demo"])
        caps = [pb.CAPABILITY_VALIDATE, pb.CAPABILITY_ANALYZE, pb.CAPABILITY_SERIALIZE, pb.CAPABILITY_PREPARE, pb.CAPABILITY_VEND, pb.CAPABILITY_REVOKE]
        self.assertEqual(list(message.capabilities), caps)

    def test_capabilities_without_the_optional_steps(self):
        class Minimal(Worker):
            pass

        self.assertEqual(capabilities_of(Minimal()), ["validate", "serialize", "prepare", "vend"])

    def test_prepare_equals_the_three_steps(self):
        scopes = [scope("read", "Reports"), scope("write", "Builds")]
        subject = pb.Subject(repository="acme/web")
        validated, _, _ = self.rpc("ValidateScope", pb.ValidateScopeRequest(scopes=scopes), pb.ValidateScopeResponse)
        normalized = [v.normalized for v in validated.results]
        analyzed, _, _ = self.rpc("AnalyzeScope", pb.AnalyzeScopeRequest(scopes=normalized, subject=subject, ttl_seconds=60), pb.AnalyzeScopeResponse)
        serialized, _, _ = self.rpc("SerializeScope", pb.SerializeScopeRequest(scopes=normalized, subject=subject, ttl_seconds=60), pb.SerializeScopeResponse)
        prepared, status, _ = self.rpc("Prepare", pb.PrepareRequest(scopes=scopes, subject=subject, ttl_seconds=60), pb.PrepareResponse)
        self.assertEqual(status, OK)
        self.assertEqual(list(prepared.validations), list(validated.results))
        self.assertEqual(list(prepared.analyses), list(analyzed.results))
        self.assertEqual(prepared.serialized, serialized)
        self.assertEqual([a.risk for a in prepared.analyses], [pb.RISK_LOW, pb.RISK_MEDIUM])
        self.assertEqual(serialized.serialized, b"demo:read:reports,demo:write:builds")

    def test_an_invalid_scope_stops_prepare_and_never_reaches_vend(self):
        prepared, _, _ = self.rpc("Prepare", pb.PrepareRequest(scopes=[scope("admin")], ttl_seconds=60), pb.PrepareResponse)
        self.assertFalse(prepared.validations[0].valid)
        self.assertEqual((len(prepared.analyses), prepared.HasField("serialized")), (0, False))
        _, status, text = self.rpc("Vend", pb.VendRequest(credential_id="c1", scopes=[scope("admin")], ttl_seconds=60), pb.VendResponse)
        self.assertEqual(status, INVALID_ARGUMENT)
        self.assertIn("invalid%20scope%20demo%3Aadmin%3AReports", text)
        self.assertEqual(self.worker.vend_calls, [])

    def test_vend_gets_normalized_scopes_and_answers_a_timestamp(self):
        vended, status, _ = self.rpc("Vend", pb.VendRequest(credential_id="c-9", scopes=[scope()], ttl_seconds=60), pb.VendResponse)
        self.assertEqual(status, OK)
        self.assertEqual(dict(vended.credential), {"token": "demo_c-9"})
        self.assertGreater(vended.expires_at.seconds, 0)
        self.assertEqual(self.worker.vend_calls[0].scopes[0].resource, "reports")

    def test_revoke_outcomes(self):
        request = pb.RevokeRequest(credential_id="c-1", upstream_ref="c-1")
        first, _, _ = self.rpc("Revoke", request, pb.RevokeResponse)
        again, _, _ = self.rpc("Revoke", request, pb.RevokeResponse)
        self.assertEqual((first.outcome, again.outcome), (pb.REVOKE_OUTCOME_REVOKED, pb.REVOKE_OUTCOME_ALREADY_GONE))

    def test_a_plugin_error_reaches_the_caller_and_anything_else_stays_in_the_worker(self):
        _, status, text = self.rpc("Vend", pb.VendRequest(credential_id="c", scopes=[scope()], ttl_seconds=7200), pb.VendResponse)
        self.assertEqual((status, text), (INVALID_ARGUMENT, "ttl%20too%20long"))
        crash = pb.VendRequest(credential_id="c", scopes=[scope()], ttl_seconds=60, subject=pb.Subject(repository="crash/me"))
        _, status, text = self.rpc("Vend", crash, pb.VendResponse)
        self.assertEqual((status, text), (INTERNAL, "internal%20error%20in%20the%20worker"))
        self.assertIn("hunter2", str(self.errors[0][0]))

    def test_calls_without_or_with_a_wrong_secret_are_refused(self):
        for secret in (None, "not-the-secret-at-all-000"):
            response, body = self.post("Describe", framed(pb.DescribeRequest()), secret=secret)
            self.assertEqual((response.status, response.getheader("grpc-status")), (403, "7"))
            self.assertIn(b"permission_denied", body)

    def test_refused_before_anything_else(self):
        response, _ = self.post("NoSuchMethod", b"x" * 10, secret=None, content_type="application/json")
        self.assertEqual(response.status, 403)

    def test_unknown_method_wrong_content_type_and_malformed_frames(self):
        self.assertEqual(self.post("NoSuchMethod", framed(pb.DescribeRequest()))[0].status, 404)
        self.assertEqual(self.post("Describe", b"{}", content_type="application/json")[0].status, 415)
        for body in (b"\x00\x00", b"\x00\x00\x00\x00\x40\x0a", b"\x01\x00\x00\x00\x00", b"\x00\x00\x00\x00\x05\xff\xff\xff\xff\x0f"):
            _, status, _ = read_answer(self.post("Describe", body)[1], pb.DescribeResponse)
            self.assertEqual(status, INVALID_ARGUMENT, body)

    def test_an_oversize_body_is_refused_unread_and_the_connection_stays_usable(self):
        response, _ = self.post("Describe", b"\x00" * 5000)
        self.assertEqual((response.status, response.getheader("grpc-status")), (200, "8"))
        message, status, _ = self.rpc("Describe", pb.DescribeRequest(), pb.DescribeResponse)
        self.assertEqual((status, message.name), (OK, "demo"))

    def test_healthz(self):
        self.connection.request("GET", "/healthz")
        response = self.connection.getresponse()
        self.assertEqual((response.status, response.read()), (200, b'{"status": "ok", "name": "demo", "version": "1.2.3"}'))

    def test_without_a_secret_configured_loopback_refuses_every_call(self):
        server = serve_loopback(DemoWorker(), environ={})
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        try:
            connection = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=5)
            with redirect_stderr(io.StringIO()) as logged:
                connection.request("POST", PREFIX + "Describe", body=framed(pb.DescribeRequest()), headers={"content-type": GRPC_WEB})
                self.assertEqual(connection.getresponse().status, 403)
            self.assertIn("no caller secret is configured", logged.getvalue())
            connection.close()
        finally:
            server.shutdown()
            server.server_close()


if __name__ == "__main__":
    unittest.main()
