import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root: the CDK project, where package-lock.json and the Lambda entries live. */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
