// How the core proves itself to a worker on a loopback port (`npm start`): every gRPC call carries
// the local stack's per-start secret in this header. On AWS the Function URL's IAM identity does
// that job and the header is not sent.
export const CALLER_SECRET_HEADER = "x-credvend-caller-secret";
