"""`python -m bench.profile sequential|throughput`: py-spy on the executor and the worker while a
bench measurement runs, then the functions that took the most samples (inclusive and self).

Needs ptrace rights over the component processes (root, or kernel.yama.ptrace_scope=0). The
raw collapsed stacks stay in bench/.data/profile/ for flame graphs (e.g. speedscope)."""

from __future__ import annotations

import argparse
import collections
import re
import subprocess
import sys
import time
from pathlib import Path

from bench.cluster import DATA, Cluster, product_env
from bench.run import prepare, setup_django

PY_SPY = Path(sys.executable).parent / "py-spy"


def summary(path: Path, focus: str, top: int = 40) -> str:
    """Inclusive and self sample shares of the stacks that pass through `focus`."""
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = [re.sub(r":\d+\)", ")", f) for f in stack.split(";")]
        if not any(focus in f for f in frames):
            continue
        n = int(count)
        total += n
        for frame in set(frames):
            inclusive[frame] += n
        own[frames[-1]] += n
    if not total:
        return f"{path.name}: no samples through {focus!r}"
    lines = [f"{path.name}: {total} samples through {focus!r}", "-- inclusive"]
    lines += [f"{n / total:6.1%}  {f[:140]}" for f, n in inclusive.most_common(top)]
    lines.append("-- self")
    lines += [f"{n / total:6.1%}  {f[:140]}" for f, n in own.most_common(top // 2)]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("what", choices=["sequential", "throughput"])
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/kestra_bench")
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--rate", type=int, default=100, help="py-spy samples per second")
    args = parser.parse_args()
    env = product_env(args.database, args.broker)
    prepare(env, args.database)
    setup_django(env)
    from bench import measure

    out = DATA / "profile"
    out.mkdir(parents=True, exist_ok=True)
    cluster = Cluster(env)
    cluster.start()
    spies = []
    try:
        for name in ("executor", "worker"):
            spies.append(
                subprocess.Popen(
                    [
                        str(PY_SPY),
                        "record",
                        "--subprocesses",
                        "--nonblocking",
                        "-r",
                        str(args.rate),
                        "-f",
                        "raw",
                        "-o",
                        str(out / f"{args.what}-{name}.txt"),
                        "--pid",
                        str(cluster.processes[name].pid),
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        time.sleep(1)
        if args.what == "sequential":
            print(measure.sequential(cluster, sizes=(50,), repeats=3))
        else:
            print(measure.throughput(cluster, 600))
    finally:
        for spy in spies:
            spy.send_signal(2)  # py-spy writes its file on SIGINT
            spy.wait(60)
        cluster.stop()
    print(summary(out / f"{args.what}-executor.txt", "execution_process"))
    print(summary(out / f"{args.what}-worker.txt", "trace_task"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
