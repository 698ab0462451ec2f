"""Summary of bench/ine_registry_bench.sh: medians over the rounds, ratios, PASS/FAIL.

Usage: ine_registry_summary.py WORK ROUNDS TARGET_RATIO TARGET_PEER TARGET_P99 SESSIONS
       CONNECTIONS THREADS DURATION SERVER...

Reads WORK/<server>-<round>.txt (the `BENCH key=value` line ine_registry.lua prints).
Exit 0 = PASS, 1 = FAIL.
"""
import re
import statistics
import sys


def parse(work, name, round_):
    with open(f"{work}/{name}-{round_}.txt") as f:
        lines = f.readlines()
    line = next(l for l in lines if l.startswith("BENCH "))
    values = {k: float(v) for k, v in re.findall(r"(\w+)=(\S+)", line)}
    # The server's CPU time per request (user + system, all its processes), when measured.
    cpu = next((l for l in lines if l.startswith("CPU ")), None)
    if cpu:
        values.update({k: float(v) for k, v in re.findall(r"(\w+)=(\S+)", cpu)})
    return values


def main(argv):
    work, rounds, target, target_peer, target_p99, sessions, connections, threads, duration = argv[:9]
    servers = argv[9:]
    rounds, target, target_peer, target_p99 = int(rounds), float(target), float(target_peer), float(target_p99)

    runs = {name: [parse(work, name, r) for r in range(1, rounds + 1)] for name in servers}
    median = {name: {k: statistics.median(run.get(k, 0) for run in runs[name])
                     for k in ("rps", "p50_ms", "p99_ms", "cpu_us_per_req")}
              for name in servers}
    errors = {name: sum(run["non200"] + run["socket_errors"] for run in runs[name]) for name in servers}

    print()
    print(f"GET /v1/sessions/{{id}}/decision/ine-registry?version=v1 - {int(float(sessions))} sessions, "
          f"wrk {threads} threads x {connections} connections, {rounds} rounds of {duration} s, medians")
    print(f"{'':8} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'CPU us/req':>10}   req/s per round")
    for name in servers:
        m = median[name]
        per_round = " ".join(f"{run['rps']:.0f}" for run in runs[name])
        print(f"{name:8} {m['rps']:>10.0f} {m['p50_ms']:>8.3f} {m['p99_ms']:>8.3f} {int(errors[name]):>7} "
              f"{m['cpu_us_per_req']:>10.1f}   {per_round}")

    checks = []
    ratio = median["inereg"]["rps"] / median["nginx"]["rps"]
    checks.append((f"inereg/nginx requests/s {ratio:.3f} (target >= {target})", ratio >= target))
    p99_ratio = median["inereg"]["p99_ms"] / median["nginx"]["p99_ms"]
    checks.append((f"inereg/nginx p99 {p99_ratio:.3f} (target <= {target_p99})", p99_ratio <= target_p99))
    if "peer" in servers:
        peer_ratio = median["inereg"]["rps"] / median["peer"]["rps"]
        checks.append((f"inereg/peer requests/s {peer_ratio:.2f} (target >= {target_peer})",
                       peer_ratio >= target_peer))
    checks.append((f"inereg non-200 responses and socket errors over all rounds: {int(errors['inereg'])}",
                   errors["inereg"] == 0))
    if "before" in servers:
        # The baseline binary (BENCH_BASELINE), for comparison only: not part of PASS.
        before = median["before"]
        print(f"  info  before: /nginx requests/s {before['rps'] / median['nginx']['rps']:.3f}, "
              f"/nginx p99 {before['p99_ms'] / median['nginx']['p99_ms']:.3f}"
              + (f", /peer requests/s {before['rps'] / median['peer']['rps']:.2f}" if "peer" in servers else "")
              + f"; inereg/before requests/s {median['inereg']['rps'] / before['rps']:.3f}, "
              f"CPU per request {median['inereg']['cpu_us_per_req'] / max(before['cpu_us_per_req'], 1e-9):.3f}, "
              f"errors {int(errors['before'])}")
    for text, ok in checks:
        print(("  ok    " if ok else "  FAIL  ") + text)
    passed = all(ok for _, ok in checks)
    print("RESULT: " + ("PASS" if passed else "FAIL"))
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
