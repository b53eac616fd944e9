// A local stand-in for GitHub Actions' OIDC token request endpoint (ACTIONS_ID_TOKEN_REQUEST_URL):
// checks the runner's bearer request token and mints a job token for the requested audience with
// the dev issuer, as GitHub's answers {"value": "<JWT>"}.
import { createServer } from "node:http";
import { listenOnLoopbackPort } from "./loopback-server.js";

export interface FakeActionsOidc {
  /** ACTIONS_ID_TOKEN_REQUEST_URL, with the api-version query GitHub puts there. */
  readonly requestUrl: string;
  /** ACTIONS_ID_TOKEN_REQUEST_TOKEN. */
  readonly requestToken: string;
  /** The audience of every request, in order. */
  readonly audiences: string[];
  /** Answer the next requests with this status instead. */
  failWith?: number;
  close(): Promise<void>;
}

/** Mints the job's token for an audience (a vend fixture's dev issuer, or the local stack's). */
export interface JobTokenMinter {
  token(overrides: { audience: string }): Promise<string>;
}

export async function startFakeActionsOidc(fixture: JobTokenMinter): Promise<FakeActionsOidc> {
  const requestToken = "runner-request-token-0001";
  const state: { audiences: string[]; failWith?: number } = { audiences: [] };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const send = (status: number, body: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    if (req.headers.authorization !== `bearer ${requestToken}`) return send(401, { message: "bad request token" });
    const audience = url.searchParams.get("audience") ?? "";
    state.audiences.push(audience);
    if (state.failWith) return send(state.failWith, { message: "failure" });
    void fixture.token({ audience }).then((value) => send(200, { count: 1, value }));
  });
  const listening = await listenOnLoopbackPort(server);
  return {
    requestUrl: `${listening.url}/_apis/oidctoken?api-version=2.0`,
    requestToken,
    get audiences() {
      return state.audiences;
    },
    get failWith() {
      return state.failWith;
    },
    set failWith(value: number | undefined) {
      state.failWith = value;
    },
    close: listening.close,
  };
}
