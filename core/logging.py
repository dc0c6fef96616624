"""Logging filter that stamps every record with the current request id (see RequestIdMiddleware)."""
import logging

from .request_context import request_id_var


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True
