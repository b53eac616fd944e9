"""The caller check, as plugin-workers/sdk/caller-check.ts: on Lambda only sessions of the allowed
roles; on loopback only the caller secret; everything else refused before the worker runs."""

import base64
import unittest

from credvend.plugin.v1 import plugin_pb2 as pb
from credvend_worker import CallerCheck, ConfigError, parse_allowed_callers, serve_lambda
from credvend_worker.caller_check import parse_role_arn, role_of_session

from .support import SECRET, DemoWorker, framed, read_answer

CORE_ROLE = "arn:aws:iam::123456789012:role/credvend-vend"
DESCRIBE = "/credvend.plugin.v1.PluginService/Describe"


def function_url_event(user_arn, path=DESCRIBE, body=framed(pb.DescribeRequest())):
    authorizer = {"iam": {"userArn": user_arn, "accountId": "123456789012"}} if user_arn else None
    return {
        "version": "2.0",
        "rawPath": path,
        "headers": {"content-type": "application/grpc-web+proto"},
        "requestContext": {"http": {"method": "POST", "path": path}, "authorizer": authorizer},
        "body": base64.b64encode(body).decode(),
        "isBase64Encoded": True,
    }


class LambdaCallerTest(unittest.TestCase):
    def setUp(self):
        self.refused = []
        self.worker = DemoWorker()
        self.handler = serve_lambda(self.worker, allowed_callers=[CORE_ROLE], on_refused=lambda r, m: self.refused.append((r, m)))

    def call(self, user_arn, **kwargs):
        answer = self.handler(function_url_event(user_arn, **kwargs), None)
        return answer, base64.b64decode(answer["body"])

    def test_a_session_of_an_allowed_role_is_answered(self):
        answer, body = self.call("arn:aws:sts::123456789012:assumed-role/credvend-vend/vend-fn")
        message, status, _ = read_answer(body, pb.DescribeResponse)
        self.assertEqual((answer["statusCode"], status, message.name), (200, 0, "demo"))
        self.assertTrue(answer["isBase64Encoded"])

    def test_a_role_not_in_the_allowed_callers_is_refused(self):
        answer, body = self.call("arn:aws:sts::123456789012:assumed-role/admin/someone")
        self.assertEqual(answer["statusCode"], 403)
        self.assertEqual(answer["headers"]["grpc-status"], "7")
        self.assertIn(b"permission_denied", body)
        self.assertEqual(self.refused[0][0].reason, "not one of the allowed callers")

    def test_the_same_role_name_in_another_account_is_refused(self):
        answer, _ = self.call("arn:aws:sts::210987654321:assumed-role/credvend-vend/vend-fn")
        self.assertEqual(answer["statusCode"], 403)

    def test_an_iam_user_or_the_role_arn_itself_is_refused(self):
        for arn in ("arn:aws:iam::123456789012:user/credvend-vend", CORE_ROLE):
            self.assertEqual(self.call(arn)[0]["statusCode"], 403, arn)

    def test_an_event_without_an_iam_caller_is_refused(self):
        answer, _ = self.call(None)
        self.assertEqual(answer["statusCode"], 403)
        self.assertIn("no IAM caller", self.refused[0][0].reason)

    def test_no_allowed_callers_refuses_everyone(self):
        handler = serve_lambda(DemoWorker(), environ={}, on_refused=lambda r, m: None)
        event = function_url_event("arn:aws:sts::123456789012:assumed-role/credvend-vend/vend-fn")
        self.assertEqual(handler(event, None)["statusCode"], 403)

    def test_refused_calls_never_reach_the_worker(self):
        body = framed(pb.VendRequest(credential_id="c1", scopes=[pb.Scope(provider="demo", action="read", resource="x")], ttl_seconds=60))
        self.call("arn:aws:sts::123456789012:assumed-role/admin/x", path="/credvend.plugin.v1.PluginService/Vend", body=body)
        self.assertEqual(self.worker.vend_calls, [])

    def test_allowed_callers_come_from_the_environment(self):
        handler = serve_lambda(DemoWorker(), environ={"CREDVEND_ALLOWED_CALLERS": '["%s"]' % CORE_ROLE})
        event = function_url_event("arn:aws:sts::123456789012:assumed-role/credvend-vend/vend-fn")
        self.assertEqual(handler(event, None)["statusCode"], 200)


class SecretCallerTest(unittest.TestCase):
    def test_only_the_exact_secret_passes(self):
        check = CallerCheck(caller_secret=SECRET)
        self.assertIsNone(check.check_secret(SECRET))
        self.assertEqual(check.check_secret(None).reason, "no caller secret")
        self.assertEqual(check.check_secret(SECRET + "x").reason, "wrong caller secret")
        self.assertEqual(check.check_secret(SECRET[:-1]).reason, "wrong caller secret")
        self.assertEqual(check.check_secret("").reason, "wrong caller secret")

    def test_without_a_configured_secret_every_loopback_call_is_refused(self):
        self.assertIn("no caller secret is configured", CallerCheck().check_secret("anything-at-all-here").reason)

    def test_a_short_secret_is_a_configuration_error(self):
        with self.assertRaises(ConfigError):
            CallerCheck(caller_secret="short")


class AllowedCallersTest(unittest.TestCase):
    def test_role_arns_with_and_without_a_path(self):
        self.assertEqual(parse_role_arn("arn:aws:iam::123456789012:role/a/b/credvend-vend"), ("aws", "123456789012", "credvend-vend"))
        self.assertEqual(role_of_session("arn:aws-us-gov:sts::123456789012:assumed-role/r/s"), ("aws-us-gov", "123456789012", "r"))

    def test_not_role_arns(self):
        for arn in ("arn:aws:iam::123456789012:role/x\n", "arn:aws:iam::12345678901:role/x", "arn:aws:iam::١٢٣٤٥٦٧٨٩٠١٢:role/x", "role/x"):
            self.assertIsNone(parse_role_arn(arn), arn)

    def test_parse_allowed_callers_as_the_typescript_sdk(self):
        self.assertEqual(parse_allowed_callers(None), [])
        self.assertEqual(parse_allowed_callers("  "), [])
        self.assertEqual(parse_allowed_callers('["%s"]' % CORE_ROLE), [CORE_ROLE])
        cases = {
            "not json": "CREDVEND_ALLOWED_CALLERS: not valid JSON",
            '{"a": 1}': "CREDVEND_ALLOWED_CALLERS: must be a JSON array",
            '["arn:aws:iam::123456789012:user/x"]': "CREDVEND_ALLOWED_CALLERS[0]: not an IAM role ARN",
        }
        for text, message in cases.items():
            with self.assertRaises(ConfigError) as caught:
                parse_allowed_callers(text)
            self.assertTrue(str(caught.exception).startswith(message), str(caught.exception))

    def test_a_bad_allowed_caller_is_a_configuration_error_at_cold_start(self):
        with self.assertRaises(ConfigError):
            serve_lambda(DemoWorker(), allowed_callers=["not-an-arn"])


if __name__ == "__main__":
    unittest.main()
