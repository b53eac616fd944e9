"""Who may call a worker's gRPC service (mirrors plugin-workers/sdk/caller-check.ts and
allowed-callers.ts).

Behind a Function URL with AWS_IAM auth, AWS has checked the SigV4 signature and names the signer
in requestContext.authorizer.iam; but every principal allowed lambda:InvokeFunctionUrl passes
that, so the worker itself accepts only sessions of the roles the deployment names
(CREDVEND_ALLOWED_CALLERS). On a loopback port the core proves itself with the local stack's
secret instead (x-credvend-caller-secret), compared in constant time. Anything else is refused.
"""

import hashlib
import hmac
import json
import re
from collections import namedtuple

from .errors import ConfigError

ALLOWED_CALLERS_VARIABLE = "CREDVEND_ALLOWED_CALLERS"
CALLER_SECRET_VARIABLE = "CREDVEND_CALLER_SECRET"
CALLER_SECRET_HEADER = "x-credvend-caller-secret"
MIN_SECRET_LENGTH = 16

IamRole = namedtuple("IamRole", "partition account name")
CallerRefusal = namedtuple("CallerRefusal", "caller reason")

_NAME = r"[\w+=,.@-]{1,64}"
# arn:aws:iam::<account>:role/<path/>name: the path is optional; the name is the last segment.
_ROLE_ARN = re.compile(r"arn:(aws[a-z-]*):iam::(\d{12}):role/(?:[\x21-\x7e]*/)?(" + _NAME + r")", re.ASCII)
# arn:aws:sts::<account>:assumed-role/<name>/<session>: a session carries the role's name, no path.
_ASSUMED_ROLE_ARN = re.compile(r"arn:(aws[a-z-]*):sts::(\d{12}):assumed-role/(" + _NAME + r")/[^/]+", re.ASCII)


def parse_role_arn(arn):
    """A role ARN (with or without a path) as an IamRole, or None."""
    return _to_role(_ROLE_ARN.fullmatch(arn)) if isinstance(arn, str) else None


def role_of_session(arn):
    """The role behind an assumed-role session ARN (what a Function URL names as the caller), or None."""
    return _to_role(_ASSUMED_ROLE_ARN.fullmatch(arn)) if isinstance(arn, str) else None


def parse_allowed_callers(text):
    """CREDVEND_ALLOWED_CALLERS: a JSON array of IAM role ARNs. Unset or blank is none: every call is refused."""
    if text is None or text.strip() == "":
        return []
    expected = '(expected ["arn:aws:iam::<account>:role/<name>", ...])'
    try:
        value = json.loads(text)
    except ValueError:
        raise ConfigError("%s: not valid JSON %s" % (ALLOWED_CALLERS_VARIABLE, expected)) from None
    if not isinstance(value, list):
        raise ConfigError("%s: must be a JSON array %s" % (ALLOWED_CALLERS_VARIABLE, expected))
    for i, arn in enumerate(value):
        if not isinstance(arn, str) or parse_role_arn(arn) is None:
            raise ConfigError("%s[%d]: not an IAM role ARN (arn:aws:iam::<account>:role/<name>)" % (ALLOWED_CALLERS_VARIABLE, i))
    return value


def load_allowed_callers(environ):
    return parse_allowed_callers(environ.get(ALLOWED_CALLERS_VARIABLE))


class CallerCheck:
    """check_event() on Lambda, check_secret() on loopback; each returns None or a CallerRefusal."""

    def __init__(self, allowed_callers=(), caller_secret=None):
        self._roles = []
        for arn in allowed_callers or ():
            role = parse_role_arn(arn)
            if role is None:
                raise ConfigError('allowed_callers: "%s" is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)' % arn)
            self._roles.append(role)
        if caller_secret is not None and len(caller_secret) < MIN_SECRET_LENGTH:
            raise ConfigError("caller_secret: at least %d characters" % MIN_SECRET_LENGTH)
        self._expected = None if caller_secret is None else _digest(caller_secret)

    def check_event(self, event):
        iam = ((event.get("requestContext") or {}).get("authorizer") or {}).get("iam") or {}
        arn = iam.get("userArn") if isinstance(iam, dict) else None
        if not isinstance(arn, str) or arn == "":
            return CallerRefusal("(no IAM identity)", "the request carries no IAM caller (is the Function URL's auth type AWS_IAM?)")
        if not self._roles:
            return CallerRefusal(arn, "no allowed callers are configured (%s)" % ALLOWED_CALLERS_VARIABLE)
        role = role_of_session(arn)
        if role is not None and role in self._roles:
            return None
        return CallerRefusal(arn, "not one of the allowed callers")

    def check_secret(self, presented):
        if self._expected is None:
            return CallerRefusal("(local process)", "no caller secret is configured (%s)" % CALLER_SECRET_VARIABLE)
        # Digests of equal length, so the comparison takes the same time whatever was sent.
        if presented is not None and hmac.compare_digest(_digest(presented), self._expected):
            return None
        return CallerRefusal("(local process)", "no caller secret" if presented is None else "wrong caller secret")


def _digest(text):
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).digest()


def _to_role(match):
    return IamRole(match.group(1), match.group(2), match.group(3)) if match else None
