// Canonical JSON bytes for signing: object keys in ascending code-point order at every depth, no
// whitespace, strings and numbers as JSON.stringify writes them, UTF-8. For the values a registry
// index holds (strings, integers, booleans, arrays, objects) this is RFC 8785 (JCS), so the
// signature does not depend on how the file is indented and any language can rebuild the bytes.
export function canonicalJsonBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(canonical(value));
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const record = value as Record<string, unknown>;
    return `{${keys
      .filter((key) => record[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${canonical(record[key])}`)
      .join(",")}}`;
  }
  if (typeof value === "number" && !Number.isSafeInteger(value)) throw new Error("canonical JSON: only safe integers");
  return JSON.stringify(value);
}
