"""The caller's deadline (the grpc-timeout header), as the TypeScript SDK honours it through Connect:
a step still running when the deadline passes is answered DEADLINE_EXCEEDED at once, rather than
whenever the step ends. Python cannot stop a thread: the step runs on in the background and its
result is dropped (a late failure still goes to the error reporter)."""

import re
import threading
import time

# As gRPC's spec and Connect read it: 1 to 8 digits and a unit.
_TIMEOUT = re.compile(r"(\d{1,8})([HMSmun])")
_UNIT_SECONDS = {"H": 3600.0, "M": 60.0, "S": 1.0, "m": 1e-3, "u": 1e-6, "n": 1e-9}

DEADLINE_MESSAGE = "the call's deadline (grpc-timeout) passed before the worker answered"


class DeadlineExceeded(Exception):
    pass


def parse_grpc_timeout(value):
    """Seconds, or None when there is no header; ValueError when it is not a gRPC timeout."""
    if value is None:
        return None
    match = _TIMEOUT.fullmatch(value.strip())
    if match is None:
        raise ValueError("protocol error: invalid grpc timeout value: %s" % value[:40])
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2)]


def deadline_of(headers, now=None):
    """The monotonic time the call must be answered by (None: no deadline), from the request's headers."""
    seconds = parse_grpc_timeout(headers.get("grpc-timeout"))
    return None if seconds is None else (time.monotonic() if now is None else now) + seconds


def run_until(deadline, step, on_late_error):
    """step() when there is no deadline; else step() on its own thread, waited for until the deadline."""
    if deadline is None:
        return step()
    outcome = {}
    answered = threading.Event()

    def run():
        try:
            outcome["value"] = step()
        except BaseException as error:  # noqa: BLE001 - handed to the caller, or reported when late
            outcome["error"] = error
            if answered.is_set():
                on_late_error(error)

    thread = threading.Thread(target=run, name="credvend-step", daemon=True)
    thread.start()
    thread.join(max(0.0, deadline - time.monotonic()))
    answered.set()
    if thread.is_alive():
        raise DeadlineExceeded(DEADLINE_MESSAGE)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]
