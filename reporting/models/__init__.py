from .nis2 import Nis2Draft, Nis2Stage
from .sitrep import SitRepSchedule, SituationReport, SitRepTrigger

__all__ = ["Nis2Draft", "Nis2Stage", "SitRepSchedule", "SituationReport", "SitRepTrigger"]
