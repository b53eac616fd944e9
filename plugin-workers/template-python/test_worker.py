"""The worker through the SDK's protocol service, in memory: every step a vend takes.
Run: python3 -m unittest discover -s <this folder>"""

import json
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
# The SDK where plugin.json vendors it from (unneeded once `pip install <repo>/plugin-workers/python-sdk`).
for folder in json.load(open(os.path.join(HERE, "plugin.json")))["vendor"]:
    sys.path.insert(0, os.path.dirname(os.path.normpath(os.path.join(HERE, folder))))

from credvend.plugin.v1 import plugin_pb2 as pb  # noqa: E402
from credvend_worker import capabilities_of  # noqa: E402
from credvend_worker.service import PluginService  # noqa: E402

from worker import TemplateWorker  # noqa: E402

SUBJECT = pb.Subject(repository="acme/web", ref="refs/heads/main")


class TemplateWorkerTest(unittest.TestCase):
    def setUp(self):
        self.service = PluginService(TemplateWorker())

    def test_describes_itself_as_plugin_json_says(self):
        with open(os.path.join(HERE, "plugin.json")) as file:
            info = json.load(file)
        described = self.service.describe(pb.DescribeRequest())
        self.assertEqual((described.name, described.version, list(described.providers)), (info["name"], info["version"], info["providers"]))
        self.assertEqual(sorted(capabilities_of(TemplateWorker())), sorted(info["capabilities"]))

    def test_prepares_and_vends_a_token_for_a_valid_scope(self):
        scopes = [pb.Scope(provider="tmpl", action="read", resource="Reports")]
        prepared = self.service.prepare(pb.PrepareRequest(scopes=scopes, subject=SUBJECT, ttl_seconds=600))
        self.assertTrue(prepared.validations[0].valid)
        self.assertEqual(prepared.validations[0].normalized.resource, "reports")
        vended = self.service.vend(
            pb.VendRequest(
                credential_id="c-1",
                scopes=[v.normalized for v in prepared.validations],
                subject=SUBJECT,
                ttl_seconds=600,
                serialized=prepared.serialized.serialized,
            )
        )
        self.assertTrue(vended.credential["token"].startswith("tmpl_"))
        self.assertEqual(vended.upstream_ref, "c-1")

    def test_rejects_an_unknown_action_with_a_message_for_the_caller(self):
        scopes = [pb.Scope(provider="tmpl", action="admin", resource="x")]
        prepared = self.service.prepare(pb.PrepareRequest(scopes=scopes, subject=SUBJECT, ttl_seconds=60))
        self.assertFalse(prepared.validations[0].valid)
        self.assertEqual(prepared.validations[0].error, 'unknown action "admin" (read, write)')


if __name__ == "__main__":
    unittest.main()
