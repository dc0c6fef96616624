"""Repair crews and field damage reports."""
from .crew import Crew
from .damage_report import DamageReport, DamageReportKind, DamageReportStatus

__all__ = ["Crew", "DamageReport", "DamageReportKind", "DamageReportStatus"]
