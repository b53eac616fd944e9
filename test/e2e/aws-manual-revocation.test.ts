// An AWS leak that needs a human, end to end: `credvend dev` configured the way a developer would
// (CREDVEND_AWS_ROLE_ARN, dummy AWS keys, AWS_ENDPOINT_URL_STS; no CREDVEND_AWS_REVOKE_SESSIONS),
// with moto standing in for AWS at STS's and IAM's real HTTP APIs (test/support/moto-dev-stack.ts). A real AssumeRole through the aws-sts worker, then `credvend dev
// leak` → manual_revoke_required, and the alert on the server's stderr links to the vended role's
// "Revoke active sessions" tab, as the worker computed it at vend time.
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { motoMissing } from "../support/moto-server.js";
import { MOTO_ACCOUNT, startMotoDevStack, vendAws, type MotoDevStack } from "../support/moto-dev-stack.js";

const ROLE_NAME = "credvend-ci";
const REVOKE_SESSIONS = `https://console.aws.amazon.com/iam/home?account=${MOTO_ACCOUNT}#/roles/details/${ROLE_NAME}?section=revoke_sessions`;

const missing = motoMissing();

describe.skipIf(missing !== undefined)(
  `credvend dev with STS on moto: an AWS manual-revoke alert${missing ? ` (skipped: ${missing})` : ""}`,
  () => {
    let stack: MotoDevStack | undefined;

    beforeAll(async () => {
      // The role the worker assumes, with a path: the console link names the role, not the path.
      stack = await startMotoDevStack({ roleName: ROLE_NAME, rolePath: "/ci/deploy/" });
    }, 90_000);

    afterAll(async () => {
      await stack?.close();
    });

    it("vend (AssumeRole on moto) → credvend dev leak → manual_revoke_required, the alert links to the role's Revoke active sessions tab", async () => {
      const { credentialId, credential } = await vendAws(stack!, ["aws:s3-read:acme-web-assets"]);

      // A real session of the role: moto knows who its keys belong to.
      const sts = new STSClient({ region: "us-east-1", endpoint: stack!.moto.endpoint, credentials: credential });
      const identity = await sts.send(new GetCallerIdentityCommand({}));
      sts.destroy();
      expect(identity.Arn).toBe(`arn:aws:sts::${MOTO_ACCOUNT}:assumed-role/${ROLE_NAME}/${credentialId}`);

      const leaked = await stack!.cli("dev", "leak", credential.secretAccessKey);
      expect(JSON.parse(leaked)).toMatchObject({ outcome: "manual_revoke_required", credentialId });

      // The console notifier's one line for it, on the server's stderr.
      await new Promise((resolve) => setTimeout(resolve, 100));
      const output = stack!.output();
      const alerts = output.split("\n").filter((line) => line.includes('"alert":"manual_revoke_required"'));
      expect(alerts).toHaveLength(1);
      const alert = JSON.parse(alerts[0]!) as { urgency: string; details: Record<string, string> };
      expect(alert).toMatchObject({
        urgency: "high",
        details: { credentialId, provider: "aws", worker: "aws-sts", manualRevocationUrl: REVOKE_SESSIONS },
      });
      expect(output).not.toContain(credential.secretAccessKey);
      expect(output).not.toContain(credential.sessionToken);
    }, 60_000);
  },
);
