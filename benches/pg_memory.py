"""PostgreSQL's total memory: the PSS of a cluster's postmaster and all its
children (backends, background workers), sampled every few seconds until
stopped. PSS counts shared buffers once, divided among the processes that
map them, so the sum is what the cluster really holds.

    python3 benches/pg_memory.py DATA_DIR/postmaster.pid INTERVAL_S > samples.tsv
Prints `seconds<TAB>MiB` lines.
"""
import os
import sys
import time


def children(pid):
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry))
    return found


def pss_kib(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def main():
    with open(sys.argv[1]) as f:
        postmaster = int(f.readline())
    interval = float(sys.argv[2])
    started = time.time()
    while True:
        total = pss_kib(postmaster) + sum(pss_kib(child) for child in children(postmaster))
        print(f"{time.time() - started:.0f}\t{total / 1024:.0f}", flush=True)
        time.sleep(interval)


if __name__ == "__main__":
    main()
