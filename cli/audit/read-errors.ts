// Why a ledger read failed, in words an operator can act on. The SDK's own messages are not shown
// (they may quote keys); the error's type decides.
import { LedgerError } from "../../functions/core/errors.js";
import { CliError } from "../cli-error.js";

/** Exit code of "the ledger cannot be read" (as `credvend vend` uses 5 for unavailable). */
export const UNAVAILABLE_EXIT = 5;

export function explainReadError(error: unknown, where: string): unknown {
  const cause = error instanceof LedgerError ? error.cause : error;
  const name = cause instanceof Error ? cause.name : "";
  const code = (cause as { code?: string } | undefined)?.code ?? "";
  const message = (() => {
    switch (name) {
      case "ResourceNotFoundException":
        return `${where}: no such table (check --table and --region, or the stack's outputs)`;
      case "CredentialsProviderError":
        return `${where}: no AWS credentials in this shell (aws configure, AWS_PROFILE, or aws sso login)`;
      case "UnrecognizedClientException":
      case "InvalidSignatureException":
      case "ExpiredTokenException":
        return `${where}: AWS rejected the credentials in this shell (${name}): refresh them`;
      case "AccessDeniedException":
        return `${where}: access denied: reading needs dynamodb:GetItem and dynamodb:Query on the table and its indexes`;
      default:
        if (name === "TimeoutError" || /ECONNREFUSED|ENOTFOUND|ETIMEDOUT|EAI_AGAIN/.test(`${code} ${name}`)) {
          return `${where}: DynamoDB is unreachable (${code || name})`;
        }
        return undefined;
    }
  })();
  if (message) return new CliError(message, UNAVAILABLE_EXIT);
  if (error instanceof LedgerError) return new CliError(`${where}: ${error.message}`, UNAVAILABLE_EXIT);
  return error;
}
