"""The Lambda handler for a Function URL (AWS_IAM auth, payload format 2.0) on Lambda's Python
runtime. Only sessions of the roles in CREDVEND_ALLOWED_CALLERS (the core's) may call the gRPC
service; binary bodies arrive and leave base64-encoded."""

import base64
import binascii
import os

from .caller_check import CallerCheck, load_allowed_callers
from .grpc_web import GrpcWebApp


def serve_lambda(worker, allowed_callers=None, environ=None, **options):
    """handler(event, context) for the worker. allowed_callers: role ARNs; default from the environment.
    options: max_body_bytes, on_error, on_refused (GrpcWebApp's)."""
    if allowed_callers is None:
        allowed_callers = load_allowed_callers(os.environ if environ is None else environ)
    check = CallerCheck(allowed_callers=allowed_callers)
    app = GrpcWebApp(worker, **options)

    def handler(event, _context=None):
        http = (event.get("requestContext") or {}).get("http") or {}
        headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
        raw = event.get("body") or ""
        try:
            body = base64.b64decode(raw, validate=True) if event.get("isBase64Encoded") else raw.encode("utf-8")
        except (binascii.Error, ValueError):
            body = b""
        # Function URLs give the decoded length, not necessarily a content-length header: size the body itself.
        headers["content-length"] = str(len(body))
        answer = app.handle(
            http.get("method", "GET"),
            event.get("rawPath") or http.get("path") or "/",
            headers,
            check.check_event(event),
            lambda limit: body if len(body) <= limit else None,
        )
        return {
            "statusCode": answer.status,
            "headers": dict(answer.headers),
            "body": base64.b64encode(answer.body).decode("ascii"),
            "isBase64Encoded": True,
        }

    return handler
