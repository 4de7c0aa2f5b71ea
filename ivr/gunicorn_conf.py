"""gunicorn settings for production: ``gunicorn -c python:ivr.gunicorn_conf`` (README "Production").

The same app as ``hotline serve`` (``ivr.app:create_app()``, settings from ``HOTLINE_CONFIG`` and
``HOTLINE_*``), served by threaded workers: ``gthread`` runs each request on a thread, and a
Media Streams WebSocket (flask-sock) keeps its thread for the whole call, so a worker needs more
threads than the calls it carries at once plus their webhooks. Call state is in the database,
so any worker serves any request of any call. Each worker builds its own app (its own Vosk model
and database pool): nothing is preloaded into the master, which holds no threads or connections
to fork.

Environment: ``HOTLINE_BIND`` (``0.0.0.0:5000``), ``WEB_CONCURRENCY`` (workers, read by gunicorn
itself; 2 here), ``HOTLINE_WEB_THREADS`` (threads per worker, 64), ``PROMETHEUS_MULTIPROC_DIR``
(one folder for every hotline process of the machine, emptied before they start: /metrics then
adds up all workers; a dead worker's live gauges are dropped in :func:`child_exit`).
"""

import os

wsgi_app = "ivr.app:create_app()"
bind = os.environ.get("HOTLINE_BIND", "0.0.0.0:5000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("HOTLINE_WEB_THREADS", "64"))
# gthread's timeout is the worker's heartbeat, not a request limit: a long media stream is fine
timeout = 30
graceful_timeout = 30
keepalive = 5
preload_app = False
# gunicorn 25.1+ opens a control socket at one path per user (~/.gunicorn/gunicorn.ctl): two instances on
# a machine would fight over it; manage gunicorn with signals (HUP reload, TTIN/TTOU workers, TERM stop)
control_socket_disable = True
# a worker that dies is replaced by the master at once; its in-flight requests fail, the rest go on


def post_worker_init(worker):
    worker.log.info("hotline app loaded in worker %s", worker.pid)


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
