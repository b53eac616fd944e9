"""Protocol 1.2 over loopback: a Vend with the preparation inline mints only when every scope is
valid and already canonical, answering Prepare's analyses with the credential; otherwise nothing is
minted and the refusal is FAILED_PRECONDITION "scopes_not_canonical" with the Prepare answer as its
one status detail (a google.rpc.Status in grpc-status-details-bin), as the TypeScript SDK answers."""

import base64
import http.client
import struct
import threading
import unittest
import urllib.parse

from google.protobuf.any_pb2 import Any

from credvend.plugin.v1 import plugin_pb2 as pb
from credvend_worker import serve_loopback
from credvend_worker.errors import FAILED_PRECONDITION, INVALID_ARGUMENT, OK

from .support import SECRET, DemoWorker, framed, scope


def trailer_fields(body):
    """(message frame payload or None, {trailer name: value})."""
    message, fields, offset = None, {}, 0
    while offset + 5 <= len(body):
        flags, size = struct.unpack(">BI", body[offset : offset + 5])
        payload = body[offset + 5 : offset + 5 + size]
        offset += 5 + size
        if flags & 0x80:
            for line in payload.decode().split("\r\n"):
                if ":" in line:
                    name, value = line.split(":", 1)
                    fields[name] = value
        else:
            message = payload
    return message, fields


def status_details(encoded):
    """google.rpc.Status's code, message and details (Any), read by hand as the SDK writes them."""
    data = base64.b64decode(encoded + "=" * (-len(encoded) % 4))
    code, message, details, i = 0, "", [], 0

    def varint():
        nonlocal i
        shift = value = 0
        while True:
            byte = data[i]
            i += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                return value

    while i < len(data):
        key = varint()
        if key == 0x08:
            code = varint()
        else:
            size = varint()
            chunk, i = data[i : i + size], i + size
            if key == 0x12:
                message = chunk.decode()
            elif key == 0x1A:
                details.append(Any.FromString(chunk))
    return code, message, details


class InlineVendTest(unittest.TestCase):
    def setUp(self):
        self.worker = DemoWorker()
        self.errors = []
        self.server = serve_loopback(self.worker, caller_secret=SECRET, on_error=lambda e, m: self.errors.append(e), on_refused=lambda r, m: None)
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        self.connection = http.client.HTTPConnection("127.0.0.1", self.server.server_address[1], timeout=5)

    def tearDown(self):
        self.connection.close()
        self.server.shutdown()
        self.server.server_close()

    def vend(self, request):
        headers = {"content-type": "application/grpc-web+proto", "x-credvend-caller-secret": SECRET}
        self.connection.request("POST", "/credvend.plugin.v1.PluginService/Vend", body=framed(request), headers=headers)
        return trailer_fields(self.connection.getresponse().read())

    def inline(self, *scopes):
        prepare = pb.PrepareRequest(scopes=list(scopes), subject=pb.Subject(repository="acme/web"), ttl_seconds=60)
        return pb.VendRequest(credential_id="c-inline", prepare=prepare)

    def test_canonical_scopes_are_vended_in_one_call_with_prepares_analyses(self):
        message, fields = self.vend(self.inline(scope("read", "reports"), scope("write", "builds")))
        self.assertEqual(fields["grpc-status"], str(OK))
        vended = pb.VendResponse.FromString(message)
        self.assertEqual(dict(vended.credential), {"token": "demo_c-inline"})
        self.assertEqual([a.risk for a in vended.analyses], [pb.RISK_LOW, pb.RISK_MEDIUM])
        [call] = self.worker.vend_calls
        self.assertEqual((call.serialized, call.subject, call.ttl_seconds), (b"demo:read:reports,demo:write:builds", {"repository": "acme/web"}, 60))

    def test_a_scope_the_worker_would_normalize_is_refused_with_the_prepare_answer_and_nothing_minted(self):
        message, fields = self.vend(self.inline(scope("read", "Reports")))
        self.assertIsNone(message)
        self.assertEqual(fields["grpc-status"], str(FAILED_PRECONDITION))
        expected = "scopes_not_canonical: demo:read:Reports -> demo:read:reports"
        self.assertEqual(urllib.parse.unquote(fields["grpc-message"]), expected)
        code, text, details = status_details(fields["grpc-status-details-bin"])
        self.assertEqual((code, text, len(details)), (FAILED_PRECONDITION, expected, 1))
        prepared = pb.PrepareResponse()
        self.assertTrue(details[0].Unpack(prepared))
        self.assertEqual(details[0].type_url, "type.googleapis.com/credvend.plugin.v1.PrepareResponse")
        self.assertEqual(prepared.validations[0].normalized.resource, "reports")
        self.assertEqual(prepared.serialized.serialized, b"demo:read:reports")
        self.assertEqual((self.worker.vend_calls, self.errors), ([], []))

    def test_an_invalid_scope_is_refused_the_same_way(self):
        _, fields = self.vend(self.inline(scope("admin", "x")))
        self.assertEqual(fields["grpc-status"], str(FAILED_PRECONDITION))
        self.assertEqual(urllib.parse.unquote(fields["grpc-message"]), "scopes_not_canonical: demo:admin:x is invalid")
        prepared = pb.PrepareResponse()
        status_details(fields["grpc-status-details-bin"])[2][0].Unpack(prepared)
        self.assertFalse(prepared.validations[0].valid)
        self.assertFalse(prepared.HasField("serialized"))
        self.assertEqual(self.worker.vend_calls, [])

    def test_scopes_both_inline_and_plain_or_none_at_all_are_invalid_arguments(self):
        both = self.inline(scope("read", "reports"))
        both.scopes.append(scope("read", "reports"))
        for request, why in ((both, "either in prepare or in scopes, not both"), (self.inline(), "no scopes requested")):
            _, fields = self.vend(request)
            self.assertEqual(fields["grpc-status"], str(INVALID_ARGUMENT))
            self.assertEqual(urllib.parse.unquote(fields["grpc-message"]).split("Vend carries its scopes ")[-1], why)
        self.assertEqual(self.worker.vend_calls, [])


if __name__ == "__main__":
    unittest.main()
