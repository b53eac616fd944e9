// A local stand-in for AWS STS (reached through AWS_ENDPOINT_URL_STS or an SDK `endpoint`): the
// AWS query protocol for AssumeRole, as the real @aws-sdk/client-sts speaks it. Records every
// request's form parameters and can be told to fail with an STS error code.
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { listenOnLoopbackPort } from "./loopback-server.js";

export interface FakeSts {
  readonly url: string;
  /** Form parameters of every request, in order. */
  readonly requests: Record<string, string>[];
  /** Next answers, consumed in order: an HTTP status and an STS error code. */
  readonly failures: { status: number; code: string }[];
  /** When true, requests are read but never answered (a hung STS). */
  hang: boolean;
  /** Credentials handed out, in order (the tests compare what clients received). */
  readonly issued: { accessKeyId: string; secretAccessKey: string; sessionToken: string; expiration: string }[];
  close(): Promise<void>;
}

export async function startFakeSts(): Promise<FakeSts> {
  const requests: Record<string, string>[] = [];
  const failures: FakeSts["failures"] = [];
  const issued: FakeSts["issued"] = [];
  const state = { hang: false };
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      const params = Object.fromEntries(new URLSearchParams(body));
      requests.push(params);
      if (state.hang) return;
      const failure = failures.shift();
      res.setHeader("content-type", "text/xml");
      if (failure) {
        res.statusCode = failure.status;
        res.end(
          `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${failure.code}</Code><Message>${failure.code} for test</Message></Error><RequestId>r-1</RequestId></ErrorResponse>`,
        );
        return;
      }
      const duration = Number(params.DurationSeconds ?? 3600);
      const credential = {
        accessKeyId: `ASIA${randomBytes(8).toString("hex").toUpperCase()}`,
        secretAccessKey: randomBytes(30).toString("base64"),
        sessionToken: `IQoJb3JpZ2luX2Vj${randomBytes(120).toString("base64")}`,
        expiration: new Date(Math.floor(Date.now() / 1000 + duration) * 1000).toISOString(),
      };
      issued.push(credential);
      const session = params.RoleSessionName ?? "session";
      const role = (params.RoleArn ?? "").split("/").pop();
      res.end(`<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    ${params.SourceIdentity ? `<SourceIdentity>${params.SourceIdentity}</SourceIdentity>` : ""}
    <AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/${role}/${session}</Arn><AssumedRoleId>AROAFAKE:${session}</AssumedRoleId></AssumedRoleUser>
    <Credentials>
      <AccessKeyId>${credential.accessKeyId}</AccessKeyId>
      <SecretAccessKey>${credential.secretAccessKey}</SecretAccessKey>
      <SessionToken>${credential.sessionToken}</SessionToken>
      <Expiration>${credential.expiration}</Expiration>
    </Credentials>
    <PackedPolicySize>12</PackedPolicySize>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>r-2</RequestId></ResponseMetadata>
</AssumeRoleResponse>`);
    });
  });
  const listening = await listenOnLoopbackPort(server);
  return {
    url: listening.url,
    requests,
    failures,
    issued,
    get hang() {
      return state.hang;
    },
    set hang(value: boolean) {
      state.hang = value;
    },
    close: listening.close,
  };
}
