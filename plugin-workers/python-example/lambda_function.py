"""The Lambda entry (Function URL, AWS_IAM auth): only the roles in CREDVEND_ALLOWED_CALLERS may call."""

from credvend_worker import serve_lambda
from pyex_worker import PyexWorker

handler = serve_lambda(PyexWorker())
