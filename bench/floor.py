"""The floor: a chain of no-op Celery tasks (each enqueues the next) on its own Redis database.

Started by bench.run as `celery -A bench.floor worker -Q bench_floor -c 1`; same delivery
settings as the product (late ack, prefetch 1, no result backend).
"""

from __future__ import annotations

import os

import redis
from celery import Celery

BROKER = os.environ.get("BENCH_FLOOR_BROKER", "redis://127.0.0.1:6379/15")
QUEUE = "bench_floor"

app = Celery("bench_floor", broker=BROKER)
app.conf.update(
    task_ignore_result=True,
    result_backend=None,
    task_acks_late=True,
    worker_prefetch_multiplier=1,
    task_default_queue=QUEUE,
    broker_connection_retry_on_startup=True,
)


@app.task(name="bench.hop")
def hop(remaining: int, key: str) -> None:
    if remaining > 0:
        hop.apply_async((remaining - 1, key), queue=QUEUE)
    else:
        redis.Redis.from_url(BROKER).rpush(key, "done")
