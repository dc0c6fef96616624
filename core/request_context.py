"""The current request id, visible to logging anywhere in the call stack (web or Celery task)."""
import contextvars

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
