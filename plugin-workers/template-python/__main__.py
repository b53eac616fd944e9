"""Runs the worker on a loopback port from its zip (`credvend dev`, the conformance kit):
CREDVEND_CALLER_SECRET=<secret> python3 code.zip --port 0   prints its URL first."""

from credvend_worker import run_loopback
from worker import TemplateWorker

if __name__ == "__main__":
    run_loopback(TemplateWorker())
