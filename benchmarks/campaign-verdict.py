#!/usr/bin/env python3
"""The verdict of a fault campaign (benchmarks/kill-campaign.sh, power-cut.sh, central-disk-full.sh), end to end.

Lost: readings the edge committed over its whole life (its persisted lifetime counter) that central does not hold, and
polls missing from a point's timeline where no kill explains them (a reading every period, gaps only at the kills).
Duplicated: readings stored more than once (a point's timestamp twice), and central's count above the edge's.
citysim load's gateways: every batch central acknowledged (the load's ack log) is in central's committed seqs.
Prints the verdict and exits 1 unless nothing was lost and nothing duplicated.
"""
import argparse
import csv
import datetime
import json
import statistics
import sys
import urllib.parse
import urllib.request


def get(central, token, path):
    request = urllib.request.Request(central + path, headers={"Authorization": "Bearer " + token})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


def unix_ms(text):
    return int(datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def seq_ranges(text):
    """'1-118,120-121' as a list of (from, to)."""
    ranges = []
    for part in filter(None, (text or "").split(",")):
        low, _, high = part.partition("-")
        ranges.append((int(low), int(high or low)))
    return ranges


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--title", required=True)
    p.add_argument("--central", required=True)
    p.add_argument("--token", required=True)
    p.add_argument("--gateway", required=True)
    p.add_argument("--edge-status", required=True)
    p.add_argument("--kills", required=True, help="unix ms of every edge kill, one a line")
    p.add_argument("--period-ms", type=int, required=True)
    p.add_argument("--longest-gap-ms", type=int, default=0, help="default: 30 periods, at least 3 s")
    p.add_argument("--lost-before-kill-ms", type=int, default=2000)
    p.add_argument("--load-acks")
    p.add_argument("--load-log")
    p.add_argument("--recoveries", help="lines 'KIND SECONDS': recovery times to summarise")
    a = p.parse_args()
    longest_gap = a.longest_gap_ms or max(3000, 30 * a.period_ms)

    status = json.load(open(a.edge_status))
    kills = sorted(int(line) for line in open(a.kills) if line.strip())
    buffered = status["buffer"]["readingsBuffered"]
    dropped = status["buffer"]["readingsDropped"]
    last_seq = status["buffer"]["lastSeq"]
    gateways = get(a.central, a.token, "/api/v1/gateways")
    gw = next(g for g in gateways if g["id"] == a.gateway)
    problems = []

    # Reading by reading: every meter point's history, each timestamp once, a reading every period but at the kills.
    latest = get(a.central, a.token, "/api/v1/points/latest?gateway=" + a.gateway)
    stored = distinct = 0
    unexplained = []
    gaps_at_kills = []
    medians = []
    for point in latest:
        pid = point.get("id") or str(point["alias"])
        query = urllib.parse.urlencode({"gateway": a.gateway, "point": pid, "from": "2000-01-01T00:00:00Z", "to": "2100-01-01T00:00:00Z", "limit": 1000000})
        readings = get(a.central, a.token, "/api/v1/points/history?" + query)["readings"]
        times = [unix_ms(r["timestamp"]) for r in readings]
        stored += len(times)
        distinct += len(set(times))
        if not pid.startswith("meter1/"):
            continue
        times = sorted(set(times))
        if len(times) > 1:
            medians.append(statistics.median(b - a_ for a_, b in zip(times, times[1:])))
        for before, after in zip(times, times[1:]):
            if after - before <= longest_gap:
                continue
            kill = next((k for k in kills if before < k < after), None)
            if kill is None:
                unexplained.append(f"{pid}: {after - before} ms without a reading from {before} and no kill then")
            elif kill - before > a.lost_before_kill_ms:
                unexplained.append(f"{pid}: the kill at {kill} came {kill - before} ms after the last stored reading")
            else:
                gaps_at_kills.append(after - before)
        if kills and times:
            tail = kills[-1] - max([t for t in times if t < kills[-1]] or [0])
            if tail > a.lost_before_kill_ms:
                unexplained.append(f"{pid}: the last reading before the final kill is {tail} ms older than it")

    lost = max(0, buffered - (distinct if distinct else 0))
    duplicated = stored - distinct
    received = gw["readingsReceived"]
    # The edge's own events ($edge/config, $edge/buffer/...) are not in its readings counter; central receives them too.
    query = urllib.parse.urlencode({"gateway": a.gateway, "from": "2000-01-01T00:00:00Z", "to": "2100-01-01T00:00:00Z", "limit": 100000})
    edge_events = sum(1 for e in get(a.central, a.token, "/api/v1/events?" + query)["events"] if e["point"].startswith("$edge/"))
    if gw.get("committedSeqs") != f"1-{last_seq}":
        problems.append(f"central's committed seqs {gw.get('committedSeqs')} are not 1-{last_seq}")
    if received != buffered + edge_events:
        problems.append(f"central received {received} readings, the edge committed {buffered} and {edge_events} events of its own")
    if dropped:
        problems.append(f"the edge dropped {dropped} readings (counted, not silent)")
    problems += unexplained

    # The load: every batch central acknowledged must be stored.
    load_line = ""
    if a.load_acks:
        ranges = {g["id"]: (g.get("bufferId"), seq_ranges(g.get("committedSeqs"))) for g in gateways}
        acked = missing = 0
        with open(a.load_acks) as f:
            for row in csv.DictReader(f):
                acked += 1
                buffer_id, rs = ranges.get(row["gateway"], (None, []))
                seq = int(row["seq"])
                if buffer_id != row["buffer_id"] or not any(lo <= seq <= hi for lo, hi in rs):
                    missing += 1
        load_line = f"citysim load: {acked} batches acknowledged by central, {missing} of them not in central's store"
        if missing:
            problems.append(f"{missing} batches of citysim load acknowledged and not stored")
        if a.load_log:
            reconnections = [l for l in open(a.load_log) if l.strip().startswith("reconnections")]
            if reconnections:
                load_line += f"; {reconnections[-1].split()[-1]} reconnections"

    print(f"verdict: {a.title}")
    print(f"  edge: {buffered} readings committed in {last_seq} batches over its life, {dropped} dropped; {len(kills)} kills of the edge")
    print(f"  central: {received} readings received for {a.gateway} ({edge_events} of them the edge's own events), {stored} readings served by the history, {distinct} distinct timestamps per point")
    if medians:
        print(f"  timeline: meter points polled every {a.period_ms} ms, median interval {statistics.median(medians):.0f} ms; "
              f"{len(gaps_at_kills)} gaps over {longest_gap} ms, all at a kill" + (f" (longest {max(gaps_at_kills)} ms)" if gaps_at_kills else ""))
    if load_line:
        print("  " + load_line)
    if a.recoveries:
        kinds = {}
        for line in open(a.recoveries):
            kind, seconds = line.split()
            kinds.setdefault(kind, []).append(float(seconds))
        for kind, values in kinds.items():
            values.sort()
            print(f"  recovery after {kind}: {len(values)} cycles, median {statistics.median(values):.1f} s, max {values[-1]:.1f} s")
    print(f"  LOST {lost}   DUPLICATED {duplicated}   {'OK' if not problems and not lost and not duplicated else 'FAILED'}")
    for problem in problems[:30]:
        print("  - " + problem)
    sys.exit(0 if not problems and not lost and not duplicated else 1)


if __name__ == "__main__":
    main()
