import { createHash } from "node:crypto";

/** How a leaked secret is found again: lower-case hex SHA-256 of its exact UTF-8 bytes. */
export function tokenHash(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}
