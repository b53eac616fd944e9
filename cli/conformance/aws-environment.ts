// `plugin conformance --sigv4`: the AWS credentials and region to sign with, from the environment
// (as the AWS CLI and SDKs read them) and the command line. Never printed: the kit only checks that
// no answer repeats them.
import { CliError } from "../cli-error.js";
import type { SigV4Proof } from "./caller-proof.js";

/** A Function URL's host names its region: <url-id>.lambda-url.<region>.on.aws. */
const FUNCTION_URL_HOST = /^[a-z0-9]+\.lambda-url\.([a-z]{2}(?:-[a-z]+)+-\d)\.on\.aws$/;

export function sigV4FromEnvironment(url: string, region: string | undefined, env: NodeJS.ProcessEnv = process.env): SigV4Proof {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey)
    throw new CliError(
      `--sigv4: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for a role's session), e.g. eval "$(aws configure export-credentials --format env)"`,
      2,
    );
  const resolved = region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? FUNCTION_URL_HOST.exec(new URL(url).hostname)?.[1];
  if (!resolved) throw new CliError("--sigv4: give --region (or set AWS_REGION): the URL does not name one", 2);
  if (!/^[a-z]{2}(?:-[a-z]+)+-\d$/.test(resolved)) throw new CliError(`--region: "${resolved}" is not an AWS region such as eu-west-1`, 2);
  const sessionToken = env.AWS_SESSION_TOKEN;
  return { region: resolved, credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) } };
}
