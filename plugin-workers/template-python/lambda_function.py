"""Lambda entry (Function URL, AWS_IAM auth): only the roles in CREDVEND_ALLOWED_CALLERS (set by
the deployment: the core's) may call it; unset, every gRPC call is refused."""

from credvend_worker import serve_lambda
from worker import TemplateWorker

handler = serve_lambda(TemplateWorker())
