// The flaw this pins: `npm start` built no IAM client for aws-sts, so CREDVEND_AWS_REVOKE_SESSIONS=1
// was ignored locally and every AWS leak took the manual branch there. Now the worker is composed
// as on Lambda (its IAM client, and its lock table in the embedded DynamoDB): `credvend dev` with
// the opt-in and moto as IAM/STS vends a real session, `credvend dev leak` revokes it, and the
// role's inline deny policy on moto names exactly that session.
import { GetRolePolicyCommand } from "@aws-sdk/client-iam";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REVOKED_SESSIONS_POLICY, sessionsOf } from "../../plugin-workers/aws-sts/session-deny-policy.js";
import { motoMissing } from "../support/moto-server.js";
import { startMotoDevStack, vendAws, type MotoDevStack } from "../support/moto-dev-stack.js";

const ROLE_NAME = "credvend-ci";
const missing = motoMissing();

describe.skipIf(missing !== undefined)(
  `credvend dev with CREDVEND_AWS_REVOKE_SESSIONS=1 and IAM/STS on moto: an AWS leak is revoked locally${missing ? ` (skipped: ${missing})` : ""}`,
  () => {
    let stack: MotoDevStack | undefined;

    beforeAll(async () => {
      stack = await startMotoDevStack({ roleName: ROLE_NAME, env: { CREDVEND_AWS_REVOKE_SESSIONS: "1" } });
    }, 90_000);

    afterAll(async () => {
      await stack?.close();
    });

    it("vend (AssumeRole on moto) → credvend dev leak → revoked_on_detection, the session denied in the role's policy on moto", async () => {
      const { credentialId, credential } = await vendAws(stack!, ["aws:s3-read:acme-web-assets"]);

      const leaked = await stack!.cli("dev", "leak", credential.sessionToken);
      expect(JSON.parse(leaked)).toMatchObject({ outcome: "revoked_on_detection", credentialId });

      const { PolicyDocument } = await stack!.iam.send(
        new GetRolePolicyCommand({ RoleName: ROLE_NAME, PolicyName: REVOKED_SESSIONS_POLICY }),
      );
      const denied = sessionsOf(decodeURIComponent(PolicyDocument!)).map((s) => s.userId);
      expect(denied).toHaveLength(1);
      expect(denied[0]).toMatch(new RegExp(`^AROA[A-Z0-9]+:${credentialId}$`));

      // A second report of the same leak changes nothing upstream.
      expect(JSON.parse(await stack!.cli("dev", "leak", credential.accessKeyId))).toMatchObject({
        outcome: "already_handled",
        credentialId,
      });

      await new Promise((resolve) => setTimeout(resolve, 100));
      const output = stack!.output();
      const alerts = output.split("\n").filter((line) => line.includes('"alert":"revoked_on_detection"'));
      expect(alerts).toHaveLength(1);
      expect(JSON.parse(alerts[0]!)).toMatchObject({ urgency: "high", details: { credentialId, provider: "aws", worker: "aws-sts" } });
      expect(output).not.toContain(credential.secretAccessKey);
      expect(output).not.toContain(credential.sessionToken);
    }, 60_000);
  },
);
