"""The survey coordinators' workspace under ``/admin/``: login, upload, validation report,
preview of the headline indicators, publish or discard. See :func:`register_admin`."""

from admin.views import register_admin

__all__ = ["register_admin"]
