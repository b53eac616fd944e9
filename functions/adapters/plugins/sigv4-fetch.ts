// A fetch that signs every request with SigV4, for Lambda Function URLs with `AWS_IAM` auth.
// The body is hashed into the signature (Function URLs require it); credentials are resolved per
// request so rotated Lambda credentials are picked up.
import { createHash, createHmac } from "node:crypto";
import { SignatureV4 } from "@smithy/signature-v4";
import type { AwsCredentialIdentity, Checksum, SourceData } from "@smithy/types";

export interface SigV4FetchOptions {
  readonly region: string;
  /** `lambda` for Function URLs. */
  readonly service?: string;
  readonly credentials: AwsCredentialIdentity | (() => Promise<AwsCredentialIdentity>);
  readonly fetch?: typeof fetch;
}

export function sigV4Fetch(options: SigV4FetchOptions): typeof fetch {
  const signer = new SignatureV4({
    service: options.service ?? "lambda",
    region: options.region,
    credentials: options.credentials,
    sha256: NodeSha256,
  });
  const inner = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));
  return async (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const body = request.body ? new Uint8Array(await request.arrayBuffer()) : undefined;
    const headers: Record<string, string> = { host: url.host };
    request.headers.forEach((value, key) => {
      headers[key] = value;
    });
    const signed = await signer.sign({
      method: request.method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      ...(body ? { body } : {}),
    });
    const outgoing = new Headers(signed.headers as Record<string, string>);
    outgoing.delete("host"); // fetch sets it; undici refuses to take it from us
    return inner(url, { method: request.method, headers: outgoing, signal: request.signal, ...(body ? { body } : {}) });
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
