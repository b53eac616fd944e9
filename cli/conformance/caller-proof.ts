// How the kit proves itself to the worker, as the core does: the local stack's caller secret on
// loopback, or SigV4 (service lambda) for a deployed Function URL with AWS_IAM auth. Each comes
// with the wrong proof the caller checks send, and the secrets no answer may ever repeat.
import { randomBytes } from "node:crypto";
import type { AwsCredentialIdentity } from "@smithy/types";
import type { WorkerRequestSigner } from "../../functions/adapters/plugins/signed-worker-requests.js";
import { sigV4Signer } from "../../functions/adapters/plugins/sigv4-signer.js";
import { callerSecretSigner } from "../dev/worker-caller-secret.js";

export interface SigV4Proof {
  readonly region: string;
  readonly credentials: AwsCredentialIdentity;
}

export interface CallerProof {
  /** Signs the kit's calls; undefined when it has no proof to give. */
  readonly sign?: WorkerRequestSigner;
  /** A proof of the same kind that must be refused, and what it is in a result line. */
  readonly wrong: { readonly sign: WorkerRequestSigner; readonly what: string };
  /** A call without any proof, in a result line. */
  readonly none: string;
  /** Values no answer may contain, and what each is in a result line. */
  readonly secrets: ReadonlyMap<string, string>;
}

export function callerProofOf(options: { readonly callerSecret?: string; readonly sigv4?: SigV4Proof }): CallerProof {
  const wrongSecret = randomBytes(24).toString("base64url");
  if (options.sigv4) {
    const { region, credentials } = options.sigv4;
    const secrets = new Map([
      [credentials.secretAccessKey, "the AWS secret access key"],
      [wrongSecret, "the wrong secret key the kit signed with"],
    ]);
    if (credentials.sessionToken) secrets.set(credentials.sessionToken, "the AWS session token");
    return {
      sign: sigV4Signer({ region, credentials }),
      // The right access key id, a wrong secret: what a Function URL must refuse (403).
      wrong: {
        sign: sigV4Signer({ region, credentials: { ...credentials, secretAccessKey: wrongSecret } }),
        what: "a call signed with a wrong secret key",
      },
      none: "an unsigned call",
      secrets,
    };
  }
  const secrets = new Map([[wrongSecret, "the wrong caller secret the kit sent"]]);
  if (options.callerSecret !== undefined) secrets.set(options.callerSecret, "the caller secret");
  return {
    ...(options.callerSecret === undefined ? {} : { sign: callerSecretSigner(options.callerSecret) }),
    wrong: { sign: callerSecretSigner(wrongSecret), what: "a call with a wrong caller secret" },
    none: "a call without a caller credential",
    secrets,
  };
}
