"""``kringwerk worker`` and ``kringwerk tick`` (collected by kringwerk.cli)."""

from __future__ import annotations

import multiprocessing
import os

import click
from flask import current_app
from flask.cli import with_appcontext

MAINTENANCE_INTERVAL = 60


@click.command("worker")
@click.option("--burst", is_flag=True, help="Work until the queue is empty, then stop.")
@click.option("--no-fork", is_flag=True, help="Run jobs in the worker process itself (no process per job).")
@click.option(
    "--scheduler-interval", default=15.0, show_default=True, help="Seconds between periodic checks."
)
@with_appcontext
def worker_command(burst: bool, no_fork: bool, scheduler_interval: float) -> None:
    """Run an RQ worker on the "kringwerk" queue, with RQ's scheduler (retries,
    delayed jobs) and the periodic jobs of the core and the plugins."""
    from rq import SimpleWorker, Worker

    from kringwerk.jobs.periodic import enqueue_due_periodic_jobs, run_scheduler
    from kringwerk.jobs.queue import SERIALIZER, get_queue, worker_connection
    from kringwerk.jobs.runner import set_app, work_horse_killed

    app = current_app._get_current_object()
    if not app.config["REDIS_URL"]:
        raise click.ClickException(
            "REDIS_URL is not set: jobs run in-process and need no worker. "
            "Run `kringwerk tick` from cron for the periodic jobs."
        )
    set_app(app)
    connection = worker_connection(app)
    scheduler = None
    if burst:
        enqueue_due_periodic_jobs(app, connection)
    else:
        # Started before the worker forks anything, in a process of its own, so
        # no thread is alive when RQ forks a process per job.
        scheduler = multiprocessing.get_context("fork").Process(
            target=run_scheduler,
            args=(app, scheduler_interval, os.getpid()),
            name="kringwerk-periodic",
            daemon=True,
        )
        scheduler.start()
    worker_class = SimpleWorker if no_fork else Worker
    try:
        worker_class(
            [get_queue(app, connection)],
            connection=connection,
            serializer=SERIALIZER,
            work_horse_killed_handler=work_horse_killed,
            # How often a worker looks for jobs abandoned by a worker that died (RQ's
            # default is 10 min); such a job is found 60-90 s after its last heartbeat.
            maintenance_interval=MAINTENANCE_INTERVAL,
        ).work(burst=burst, with_scheduler=True, logging_level="INFO")
    finally:
        set_app(None)
        if scheduler is not None:
            scheduler.terminate()
            scheduler.join(timeout=5)


@click.command("tick")
@click.option("--job", "names", multiple=True, help="Run only this periodic job (repeatable).")
@with_appcontext
def tick_command(names: tuple[str, ...]) -> None:
    """Run every periodic job once, in-process, for each tenant that has its
    plugin enabled: the scheduler of the embedded mode (call it from cron)."""
    from kringwerk.jobs.periodic import tick

    app = current_app._get_current_object()
    try:
        report = tick(app, names)
    except LookupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"ran {len(report.ran)}, skipped {len(report.skipped)}, failed {len(report.failed)}")
    for label in report.failed:
        click.echo(f"failed: {label}", err=True)
    if report.failed:
        raise SystemExit(1)


commands: list[click.Command] = [worker_command, tick_command]
