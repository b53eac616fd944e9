import type { Context } from "hono";
import { HttpError } from "./http-error.js";
import { readCapped } from "../../plugin-protocol/read-capped.js";

/**
 * Reads a JSON request body: content type checked first (415), size capped while reading (413,
 * whatever Content-Length claims), then parsed (400). Returns the parsed value.
 */
export async function readJsonBody(c: Context, maxBytes: number): Promise<unknown> {
  return parseJsonBytes(await readJsonBodyBytes(c, maxBytes));
}

/** Parses JSON bytes; 400 `malformed_json` when they are not JSON. */
export function parseJsonBytes(bytes: Uint8Array): unknown {
  const text = new TextDecoder("utf-8", { fatal: false }).decode(bytes);
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, "malformed_json", "request body is not valid JSON");
  }
}

/** The raw bytes of a JSON body, checked for type (415) and size (413) but not parsed: for
 *  signatures computed over the exact bytes (webhooks). */
export async function readJsonBodyBytes(c: Context, maxBytes: number): Promise<Buffer> {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/json\s*(;|$)/i.test(type))
    throw new HttpError(415, "unsupported_media_type", "Content-Type must be application/json");
  const declared = Number(c.req.header("content-length") ?? "0");
  if (declared > maxBytes) throw tooLarge(maxBytes);

  const bytes = await readCapped(c.req.raw.body, maxBytes);
  if (!bytes) throw tooLarge(maxBytes);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function tooLarge(maxBytes: number): HttpError {
  return new HttpError(413, "payload_too_large", `request body is larger than ${maxBytes} bytes`);
}
