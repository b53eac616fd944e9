// How credvend builds its AWS SDK v3 clients (broker functions, workers, the local stack). A
// function serves one request at a time and sends the same few commands for its whole life, so:
// the middleware chain is resolved once per command type instead of on every send
// (`cacheMiddleware`), and the SDK's request logger is taken out — with the no-op logger it is
// given by default it still copies every input and output through the sensitive-data filter on
// each call, for a log line nobody writes. Measured with `npm run bench` (broker CPU per vend).

/** Constructor options every credvend AWS client starts from. */
export const AWS_CLIENT_DEFAULTS = { cacheMiddleware: true } as const;

interface HasMiddlewareStack {
  readonly middlewareStack: { remove(toRemove: string): boolean };
}

/** The client without the SDK's per-call logging middleware (credvend never gives the SDK a logger). */
export function withoutSdkRequestLogging<Client extends HasMiddlewareStack>(client: Client): Client {
  client.middlewareStack.remove("loggerMiddleware");
  return client;
}
