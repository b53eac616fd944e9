// SigV4 for worker calls to Lambda Function URLs with `AWS_IAM` auth. The body is hashed into the
// signature (Function URLs require it); credentials are resolved per request so rotated Lambda
// credentials are picked up.
import { createHash, createHmac } from "node:crypto";
import { SignatureV4 } from "@smithy/signature-v4";
import type { AwsCredentialIdentity, Checksum, SourceData } from "@smithy/types";
import type { WorkerRequestSigner } from "./signed-worker-requests.js";

export interface SigV4SignerOptions {
  readonly region: string;
  /** `lambda` for Function URLs. */
  readonly service?: string;
  readonly credentials: AwsCredentialIdentity | (() => Promise<AwsCredentialIdentity>);
}

export function sigV4Signer(options: SigV4SignerOptions): WorkerRequestSigner {
  const signer = new SignatureV4({
    service: options.service ?? "lambda",
    region: options.region,
    credentials: options.credentials,
    sha256: NodeSha256,
  });
  return async ({ method, url, headers, body }) => {
    const unsigned: Record<string, string> = { host: url.host };
    headers.forEach((value, key) => {
      unsigned[key] = value;
    });
    const signed = await signer.sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: unsigned,
      ...(body.byteLength > 0 ? { body } : {}),
    });
    for (const [key, value] of Object.entries(signed.headers)) {
      // The HTTP client sets Host from the URL, as signed.
      if (key.toLowerCase() !== "host") headers.set(key, value);
    }
  };
}

/** SHA-256 and HMAC-SHA-256 from node:crypto in the shape the signer expects. */
export class NodeSha256 implements Checksum {
  private hash: ReturnType<typeof createHash> | ReturnType<typeof createHmac>;

  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }

  update(data: Uint8Array): void {
    this.hash.update(data);
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }

  reset(): void {
    this.hash = this.fresh();
  }

  private fresh() {
    return this.secret === undefined ? createHash("sha256") : createHmac("sha256", toBytes(this.secret));
  }
}

function toBytes(data: SourceData): Uint8Array | string {
  if (typeof data === "string") return data;
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}
