// URLs credvend trusts for identity (an OIDC issuer and its key set) or sends a bearer token to
// (the CLI calling credvend) must be https: over plain http anyone on the path could serve their
// own keys or read the token. http is allowed only to this machine (loopback), for local
// development: 127.0.0.0/8, [::1] and localhost.

const LOOPBACK_V4 = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

/** `hostname` as `URL` gives it (lower-cased, IPv4 normalized, IPv6 in brackets). */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === "localhost" || hostname === "[::1]" || LOOPBACK_V4.test(hostname);
}

/** Why `text` is neither an https URL nor an http URL to a loopback host; undefined when it is fine. */
export function httpsUrlProblem(text: string): string | undefined {
  if (/\s/.test(text) || !URL.canParse(text)) return "must be an https URL";
  const url = new URL(text);
  if (url.protocol === "https:") return undefined;
  if (url.protocol !== "http:") return `must be an https URL, not ${url.protocol.slice(0, -1)}`;
  if (isLoopbackHost(url.hostname)) return undefined;
  return `must use https (http only for loopback: 127.0.0.0/8, [::1], localhost), not http://${url.host}`;
}
