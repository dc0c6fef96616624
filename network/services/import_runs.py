"""Running a GraceTHD import recorded as an `ImportRun` (*import*): progress written as it goes,
the fault report kept when refused. Used by the Celery task behind POST /api/v1/imports/."""
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from network.models import ImportFault, ImportRun

from .gracethd import ImportRefused, import_network
from .gracethd.quality import RULES


def save_report(run: ImportRun, report) -> None:
    """The run's quality report as ImportFault rows (replacing any earlier ones)."""
    from django.contrib.gis.geos import GEOSGeometry
    import shapely

    ImportFault.objects.filter(run=run).delete()
    ImportFault.objects.bulk_create([
        ImportFault(run=run, rule=f.rule, severity=f.severity, reference=RULES[f.rule].reference, table=f.table[:64],
                    row=max(0, f.row), code=(f.code or "")[:254], field=(f.field or "")[:64], message=f.message,
                    geom=GEOSGeometry(memoryview(shapely.to_wkb(f.geom)), srid=2154) if f.geom is not None else None)
        for f in report
    ], batch_size=2000)


class ProgressWriter:
    """Writes percent / rows on the ImportRun through a connection of its own, in autocommit:
    the import itself runs in one transaction that nobody else can see before it commits."""

    def __init__(self, run_id: int):
        self.run_id = run_id
        self.last = None
        main = connections[DEFAULT_DB_ALIAS]
        self.conn = type(main)(dict(main.settings_dict), DEFAULT_DB_ALIAS)  # same database, its own session

    def __call__(self, rows_done: int, rows_total: int, percent: int) -> None:
        state = (rows_done, percent)
        if state == self.last:
            return
        self.last = state
        with self.conn.cursor() as cursor:
            cursor.execute(
                """UPDATE network_importrun SET percent = %s, rows_done = %s,
                   rows_total = CASE WHEN %s > 0 THEN %s ELSE rows_total END WHERE id = %s""",
                [percent, rows_done, rows_total, rows_total, self.run_id],
            )

    def close(self):
        self.conn.close()


def execute(run: ImportRun) -> ImportRun:
    """Run the import of `run` (its stored file) and record the outcome on it."""
    ImportRun.objects.filter(pk=run.pk).update(state=ImportRun.State.RUNNING)
    progress = ProgressWriter(run.pk)
    options = run.summary.get("options", {})
    try:
        result = import_network(run.source.path, run.network_slug, owner=options.get("owner"),
                                operator=options.get("operator"), progress=progress,
                                actor=run.created_by, organisation=run.organisation)
    except ImportRefused as refused:
        run.refresh_from_db()
        run.state, run.errors = ImportRun.State.FAILED, refused.faults
        run.finished_at = timezone.now()
        run.summary = {**run.summary, "report": refused.report.counts()}
        save_report(run, refused.report)  # before the state: a client polling for "failed" finds the report
        run.save(update_fields=["state", "errors", "finished_at", "summary"])
        return run
    except Exception as exc:  # a bug, or the database gone: the run must not stay "running" forever
        ImportRun.objects.filter(pk=run.pk).update(
            state=ImportRun.State.FAILED, finished_at=timezone.now(),
            errors=[f"{run.source.name}:0: -: erreur interne ({type(exc).__name__})"],
        )
        raise
    finally:
        progress.close()
    run.refresh_from_db()
    run.network = result.network
    run.state, run.percent, run.errors = ImportRun.State.SUCCEEDED, 100, []
    run.rows_done = run.rows_total = result.rows_total
    run.summary = {**run.summary, "counts": result.counts, "changed": result.changed,
                   "network_created": result.network_created, "version": result.network.version,
                   "seconds": round(result.seconds, 2), "gracethd_version": result.version,
                   "report": result.report.counts()}
    run.finished_at = timezone.now()
    save_report(run, result.report)  # before the state, as above
    run.save()
    return run
