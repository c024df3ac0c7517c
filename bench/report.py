#!/usr/bin/env python3
"""Summarises a bench/run_scenarios.sh run: results.json, table.md, PNG plots.

Reads OUT/raw/<scenario>.<server>.<rep>.json (pushgw_bench reports, or wrk
results) and OUT/meta.json. With several runs per scenario and server, each
figure is the median over the runs. Ratios are pushgw/nchan. With --docs, the
part of docs/benchmarks.md between the `generated` markers is replaced and the
plots are copied next to it.
"""
import argparse
import glob
import json
import math
import os
import shutil
import statistics
import subprocess
import sys

BEGIN = "<!-- generated:begin (bench/report.py; edits here are overwritten) -->"
END = "<!-- generated:end -->"
SERVERS = ("pushgw", "nchan")


def get(d, path):
    for part in path.split("."):
        if not isinstance(d, dict) or part not in d:
            return None
        d = d[part]
    return d if isinstance(d, (int, float)) and not isinstance(d, bool) else None


# (scenario, metric, path, unit, better, target text, target kind, target value)
# target kinds: "max" (pushgw value <= v), "ratio_min" (pushgw/nchan >= v),
# "ratio_max" (pushgw/nchan <= v), "vs" (pushgw value >= v x other row's value).
ROWS = [
    ("S1-eventsource", "connect 10k subscribers", "connect.seconds", "s", "lower", "", None, None),
    ("S1-eventsource", "server memory / subscriber (PSS)", "memory.pss_per_subscriber", "B",
     "lower", "<= 3 KiB", "max", 3072),
    ("S1-eventsource", "server memory / subscriber (RSS)", "memory.rss_per_subscriber", "B",
     "lower", "", None, None),
    ("S1-websocket", "connect 10k subscribers", "connect.seconds", "s", "lower", "", None, None),
    ("S1-websocket", "server memory / subscriber (PSS)", "memory.pss_per_subscriber", "B",
     "lower", "<= 3 KiB", "max", 3072),
    ("S1-websocket", "server memory / subscriber (RSS)", "memory.rss_per_subscriber", "B",
     "lower", "", None, None),
    ("S2", "published/s", "publish.per_second", "/s", "higher", "", None, None),
    ("S2", "delivered/s", "delivery.per_second", "/s", "higher", ">= 3x nchan", "ratio_min", 3),
    ("S2", "latency p50", "latency_ms.p50", "ms", "lower", "", None, None),
    ("S2", "latency p99", "latency_ms.p99", "ms", "lower", "<= 20 ms", "max", 20),
    ("S2", "latency p99.9", "latency_ms.p999", "ms", "lower", "", None, None),
    ("S2", "delivered / expected", "delivery.ratio", "", "higher", "", None, None),
    ("S2", "server CPU per delivered msg", "cpu.server_us_per_delivered", "us", "lower", "",
     None, None),
    ("S2", "server / client cores busy", "cpu.server_cores", "", "", "", None, None),
    ("S3", "published/s", "publish.per_second", "/s", "higher", "", None, None),
    ("S3", "delivered/s", "delivery.per_second", "/s", "higher", ">= 2x nchan", "ratio_min", 2),
    ("S3", "latency p99", "latency_ms.p99", "ms", "lower", "<= nchan", "ratio_max", 1),
    ("S3", "delivered / expected", "delivery.ratio", "", "higher", "", None, None),
    ("S3", "server CPU per delivered msg", "cpu.server_us_per_delivered", "us", "lower", "",
     None, None),
    ("S3", "server / client cores busy", "cpu.server_cores", "", "", "", None, None),
    ("S3-pipelined", "delivered/s (4 conns x 16 pipelined)", "delivery.per_second", "/s",
     "higher", "", None, None),
    ("S3-pipelined", "latency p99", "latency_ms.p99", "ms", "lower", "", None, None),
    ("S3-pipelined", "server CPU per delivered msg", "cpu.server_us_per_delivered", "us",
     "lower", "", None, None),
    ("S3-pipelined", "server / client cores busy", "cpu.server_cores", "", "", "", None, None),
    ("S4-http", "HTTP publish/s (4 conns)", "publish.per_second", "/s", "higher",
     ">= 1.3x nchan", "ratio_min", 1.3),
    ("S4-http", "server CPU per publish", "cpu.server_us_per_published", "us", "lower", "",
     None, None),
    ("S4-http-pipelined", "HTTP publish/s (4 conns x 16 pipelined)", "publish.per_second", "/s",
     "higher", "", None, None),
    ("S4-wrk", "HTTP publish/s (wrk, 4 conns)", "publish.per_second", "/s", "higher", "", None,
     None),
    ("S4-grpc", "gRPC Publish/s (4 conns x 16)", "publish.per_second", "/s", "higher", "", None,
     None),
    ("S4-grpc", "server CPU per publish", "cpu.server_us_per_published", "us", "lower", "", None,
     None),
    ("S4-grpc-stream", "gRPC PublishStream msg/s (4 x 256)", "publish.per_second", "/s", "higher",
     ">= 3x pushgw HTTP", "vs", ("S4-http", 3)),
    ("S4-grpc-stream", "server CPU per publish", "cpu.server_us_per_published", "us", "lower", "",
     None, None),
    ("S5", "latency p50", "latency_ms.p50", "ms", "lower", "", None, None),
    ("S5", "latency p99", "latency_ms.p99", "ms", "lower", "<= nchan", "ratio_max", 1),
    ("S5", "latency p99.9", "latency_ms.p999", "ms", "lower", "<= 1 ms", "max", 1),
    ("S5", "latency max", "latency_ms.max", "ms", "lower", "", None, None),
    ("S5", "delivered / expected", "delivery.ratio", "", "higher", "", None, None),
    ("S5", "server CPU per delivered msg", "cpu.server_us_per_delivered", "us", "lower", "",
     None, None),
    ("S6-long-polling", "long-poll answers/s", "delivery.long_poll_answers_per_second", "/s",
     "higher", "", None, None),
    ("S6-long-polling", "delivered / expected", "delivery.ratio", "", "higher", "", None, None),
    ("S6-long-polling", "latency p99", "latency_ms.p99", "ms", "lower", "", None, None),
    ("S6-long-polling", "server CPU per delivered msg", "cpu.server_us_per_delivered", "us",
     "lower", "", None, None),
    ("S6-storm-200", "connect+subscribe+drop /s (200 at once)", "storm.per_second", "/s",
     "higher", "", None, None),
    ("S6-storm-200", "storm errors", "storm.errors", "", "lower", "", None, None),
    ("S6-storm-200", "connect -> response head p99", "storm.latency_ms.p99", "ms", "lower", "",
     None, None),
    ("S6-storm-2000", "connect+subscribe+drop /s (2000 at once)", "storm.per_second", "/s",
     "higher", "", None, None),
    ("S6-storm-2000", "storm errors", "storm.errors", "", "lower", "", None, None),
    ("S6-storm-2000", "connect -> response head p99", "storm.latency_ms.p99", "ms", "lower", "",
     None, None),
]


def fix_cpu(d):
    """Background cores = machine busy - server - client (reports written
    before this rule subtracted interrupt time a second time)."""
    c = d.get("cpu")
    if not c or not c.get("wall_seconds"):
        return
    busy = c["cpus"] * c["wall_seconds"] - c.get("idle_cpu_seconds", 0)
    other = max(0.0, busy - c["server_cpu_seconds"] - c["client_cpu_seconds"])
    c["other_cpu_seconds"] = other
    c["other_cores"] = other / c["wall_seconds"]


def load(out):
    runs = {}
    for path in sorted(glob.glob(os.path.join(out, "raw", "*.json"))):
        try:
            d = json.load(open(path))
        except ValueError:
            continue
        if "error" in d:
            continue
        fix_cpu(d)
        runs.setdefault((d.get("label", ""), d.get("server", "")), []).append(d)
    return runs


def median(runs, scenario, server, path):
    values = [get(d, path) for d in runs.get((scenario, server), [])]
    values = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    return statistics.median(values) if values else None


def fmt(v, unit):
    if v is None:
        return "–"
    if unit == "B":
        return f"{v:,.0f} B"
    if unit == "/s":
        return f"{v:,.0f}"
    if unit in ("ms", "us"):
        number = f"{v:,.0f}" if v >= 100 else f"{v:.3g}"
        return f"{number} {'µs' if unit == 'us' else 'ms'}"
    if unit == "s":
        return f"{v:.2f} s"
    if isinstance(v, float):
        return f"{v:.3g}"
    return str(v)


def table(runs):
    lines = [
        "| scenario | metric | pushgw | nchan | pushgw/nchan | target | met |",
        "|---|---|---:|---:|---:|---|:-:|",
    ]
    verdicts = []
    for scenario, metric, path, unit, better, target, kind, tv in ROWS:
        p = median(runs, scenario, "pushgw", path)
        n = median(runs, scenario, "nchan", path)
        if p is None and n is None:
            continue
        ps, ns = fmt(p, unit), fmt(n, unit)
        if metric == "server / client cores busy":
            pc = median(runs, scenario, "pushgw", "cpu.client_cores")
            nc = median(runs, scenario, "nchan", "cpu.client_cores")
            ps = f"{p:.2f} / {pc:.2f}" if p is not None and pc is not None else "–"
            ns = f"{n:.2f} / {nc:.2f}" if n is not None and nc is not None else "–"
        ratio = p / n if p is not None and n else None
        rs = f"{ratio:.2f}x" if ratio is not None else "–"
        met = ""
        if kind == "max" and p is not None:
            met = "yes" if p <= tv else "**no**"
        elif kind == "ratio_min" and ratio is not None:
            met = "yes" if ratio >= tv else "**no**"
        elif kind == "ratio_max" and ratio is not None:
            met = "yes" if ratio <= tv else "**no**"
        elif kind == "vs" and p is not None:
            other = median(runs, tv[0], "pushgw", path)
            if other:
                met = ("yes" if p >= tv[1] * other else "**no**") + f" ({p / other:.2f}x)"
        if met:
            verdicts.append((scenario, metric, target, met))
        lines.append(f"| {scenario} | {metric} | {ps} | {ns} | {rs} | {target} | {met} |")
    # Background load: CPU used by neither server nor client while each run
    # published (other engineers' builds on a shared machine show up here).
    lines += ["", "Background load while each scenario published: cores busy outside the server "
              "and the load generator (other engineers' builds and tests on this shared machine; "
              "medians):", "", "| scenario | pushgw run | nchan run |", "|---|---:|---:|"]
    for scenario in sorted({k[0] for k in runs}):
        p = median(runs, scenario, "pushgw", "cpu.other_cores")
        n = median(runs, scenario, "nchan", "cpu.other_cores")
        wall = median(runs, scenario, "pushgw", "cpu.wall_seconds") or 0
        if (p is None and n is None) or wall < 0.5:
            continue
        lines.append(f"| {scenario} | {fmt(p, '')} | {fmt(n, '')} |")
    return "\n".join(lines), verdicts


def pick_run(runs, scenario, server):
    """The run with the median p99, for curves and timelines."""
    rs = [d for d in runs.get((scenario, server), []) if get(d, "latency_ms.p99") is not None]
    if not rs:
        return None
    rs.sort(key=lambda d: get(d, "latency_ms.p99"))
    return rs[len(rs) // 2]


def has_nchan(rows):
    """Whether any row (label pushgw nchan) has an nchan value: gnuplot refuses
    a histogram series without one."""
    return any(not r.endswith(" NaN") for r in rows)


def gnuplot(script, cwd):
    r = subprocess.run(["gnuplot"], input=script, text=True, cwd=cwd, capture_output=True)
    if r.returncode != 0:
        print("report: gnuplot failed:\n" + r.stderr, file=sys.stderr)


def plots(runs, out):
    made = []
    colors = {"pushgw": "#1f77b4", "nchan": "#d62728"}
    # 1. Advantage factors against the targets (higher = pushgw better).
    adv = []
    for scenario, label, path, better, target in [
        ("S1-eventsource", "S1 ES memory/sub", "memory.pss_per_subscriber", "lower", None),
        ("S1-websocket", "S1 WS memory/sub", "memory.pss_per_subscriber", "lower", None),
        ("S2", "S2 delivered/s", "delivery.per_second", "higher", 3),
        ("S2", "S2 p99", "latency_ms.p99", "lower", None),
        ("S3", "S3 delivered/s", "delivery.per_second", "higher", 2),
        ("S3", "S3 p99", "latency_ms.p99", "lower", 1),
        ("S3-pipelined", "S3 pipelined delivered/s", "delivery.per_second", "higher", None),
        ("S4-http", "S4 HTTP publish/s", "publish.per_second", "higher", 1.3),
        ("S5", "S5 p99", "latency_ms.p99", "lower", 1),
        ("S6-long-polling", "S6 long-poll answers/s", "delivery.long_poll_answers_per_second",
         "higher", None),
        ("S6-storm-2000", "S6 storm conn/s", "storm.per_second", "higher", None),
    ]:
        p = median(runs, scenario, "pushgw", path)
        n = median(runs, scenario, "nchan", path)
        if not p or not n:
            continue
        f = p / n if better == "higher" else n / p
        adv.append((label, f, target if target else 0))
    if adv:
        with open(os.path.join(out, "advantage.dat"), "w") as f:
            for label, v, t in adv:
                f.write(f'"{label}" {v:.4f} {t}\n')
        gnuplot(f"""
set terminal pngcairo size 1100,520 font "sans,10"
set output "advantage.png"
set title "pushgw advantage over nchan (same machine, same run; > 1 = pushgw better)"
set style data histograms
set style fill solid 0.8 border -1
set boxwidth 0.6
set logscale y 2
set yrange [0.125:*]
set grid ytics
set xtics rotate by -30 left
set ylabel "factor (log scale)"
set key top right
plot "advantage.dat" using 2:xtic(1) lc rgb "{colors['pushgw']}" title "pushgw vs nchan", \\
     "" using ($0):2:(sprintf("%.2f", $2)) with labels offset 0,0.7 notitle, \\
     "" using ($0):($3 > 0 ? $3 : 1/0) with points pt 7 ps 1.5 lc rgb "black" title "target", \\
     1 with lines lc rgb "gray" dt 2 notitle
""", out)
        made.append("advantage.png")

    # 2. Throughput per scenario.
    thr = [("S2", "S2 delivered/s", "delivery.per_second"),
           ("S3", "S3 delivered/s", "delivery.per_second"),
           ("S3-pipelined", "S3 pipelined delivered/s", "delivery.per_second"),
           ("S4-http", "S4 HTTP pub/s", "publish.per_second"),
           ("S4-http-pipelined", "S4 pipelined pub/s", "publish.per_second"),
           ("S4-wrk", "S4 wrk pub/s", "publish.per_second"),
           ("S4-grpc", "S4 gRPC pub/s", "publish.per_second"),
           ("S4-grpc-stream", "S4 PublishStream/s", "publish.per_second"),
           ("S5", "S5 delivered/s", "delivery.per_second"),
           ("S6-long-polling", "S6 LP answers/s", "delivery.long_poll_answers_per_second"),
           ("S6-storm-200", "S6 storm/s (200)", "storm.per_second"),
           ("S6-storm-2000", "S6 storm/s (2000)", "storm.per_second")]
    rows = []
    for scenario, label, path in thr:
        p = median(runs, scenario, "pushgw", path)
        n = median(runs, scenario, "nchan", path)
        if p is None and n is None:
            continue
        rows.append(f'"{label}" {p if p else "NaN"} {n if n else "NaN"}')
    if rows:
        nchan_series = (', "" using 3 lc rgb "' + colors["nchan"] + '" title "nchan"'
                        if has_nchan(rows) else "")
        with open(os.path.join(out, "throughput.dat"), "w") as f:
            f.write("\n".join(rows) + "\n")
        gnuplot(f"""
set terminal pngcairo size 1100,520 font "sans,10"
set output "throughput.png"
set title "Throughput per scenario (median of runs; log scale)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set logscale y
set grid ytics
set xtics rotate by -30 left
set ylabel "per second"
plot "throughput.dat" using 2:xtic(1) lc rgb "{colors['pushgw']}" title "pushgw"{nchan_series}
""", out)
        made.append("throughput.png")

    # 3. Latency percentile curves.
    panels = []
    for scenario in ("S2", "S3", "S5", "S6-long-polling"):
        series = []
        for server in SERVERS:
            d = pick_run(runs, scenario, server)
            if not d:
                continue
            name = f"lat_{scenario}_{server}.dat"
            with open(os.path.join(out, name), "w") as f:
                for q, ms in d["latency_ms"]["percentiles"]:  # [percentile, ms]
                    if 0 < q < 100 and ms > 0:
                        f.write(f"{-math.log10(1 - q / 100):.5f} {ms:.6f} {q}\n")
            series.append(f'"{name}" using 1:2 with linespoints lw 2 pt 7 ps 0.6 '
                          f'lc rgb "{colors[server]}" title "{server}"')
        if series:
            panels.append(f'set title "{scenario}: publish -> receive latency"\n'
                          "plot " + ", \\\n     ".join(series))
    if panels:
        gnuplot(f"""
set terminal pngcairo size 1100,800 font "sans,10"
set output "latency.png"
set multiplot layout 2,2
set logscale y
set grid
set xtics ("p50" 0.30103, "p90" 1, "p99" 2, "p99.9" 3, "p99.99" 4, "p99.999" 5)
set xlabel "percentile"
set ylabel "ms (log scale)"
set key top left
""" + "\n".join(panels) + "\nunset multiplot\n", out)
        made.append("latency.png")

    # 4. Delivered/s over time.
    panels = []
    for scenario in ("S2", "S3", "S5", "S6-long-polling"):
        series = []
        for server in SERVERS:
            d = pick_run(runs, scenario, server)
            if not d or not d.get("timeline"):
                continue
            name = f"timeline_{scenario}_{server}.dat"
            with open(os.path.join(out, name), "w") as f:
                # Whole seconds only: the last bucket is partial.
                for point in d["timeline"][:-1]:
                    f.write(f"{point['t']} {point['delivered']} {point['published']}\n")
            series.append(f'"{name}" using 1:2 with linespoints lw 2 pt 7 ps 0.5 '
                          f'lc rgb "{colors[server]}" title "{server} delivered"')
        if series:
            panels.append(f'set title "{scenario}: delivered per second"\n'
                          "plot " + ", \\\n     ".join(series))
    if panels:
        gnuplot(f"""
set terminal pngcairo size 1100,800 font "sans,10"
set output "timeline.png"
set multiplot layout 2,2
set grid
set xlabel "seconds since the first publish"
set ylabel "messages/s"
set yrange [0:*]
set key bottom right
""" + "\n".join(panels) + "\nunset multiplot\n", out)
        made.append("timeline.png")

    # 5. Server CPU per message: the figure of merit where the load generator
    # (same 2 cores) limits the rates.
    rows = []
    for scenario, label, path in [
            ("S2", "S2 per delivered", "cpu.server_us_per_delivered"),
            ("S3", "S3 per delivered", "cpu.server_us_per_delivered"),
            ("S3-pipelined", "S3 pipelined per delivered", "cpu.server_us_per_delivered"),
            ("S5", "S5 per delivered", "cpu.server_us_per_delivered"),
            ("S6-long-polling", "S6 LP per delivered", "cpu.server_us_per_delivered"),
            ("S4-http", "S4 per publish", "cpu.server_us_per_published"),
            ("S4-http-pipelined", "S4 pipelined per publish", "cpu.server_us_per_published")]:
        p = median(runs, scenario, "pushgw", path)
        n = median(runs, scenario, "nchan", path)
        if p is None and n is None:
            continue
        rows.append(f'"{label}" {p if p is not None else "NaN"} {n if n is not None else "NaN"}')
    if rows:
        nchan_series = (', "" using 3 lc rgb "' + colors["nchan"] + '" title "nchan"'
                        if has_nchan(rows) else "")
        with open(os.path.join(out, "server_cpu.dat"), "w") as f:
            f.write("\n".join(rows) + "\n")
        gnuplot(f"""
set terminal pngcairo size 1000,480 font "sans,10"
set output "server_cpu.png"
set title "Server CPU per message (lower is better; median of runs, log scale)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set logscale y
set grid ytics
set xtics rotate by -30 left
set ylabel "CPU microseconds"
plot "server_cpu.dat" using 2:xtic(1) lc rgb "{colors['pushgw']}" title "pushgw"{nchan_series}
""", out)
        made.append("server_cpu.png")

    # 6. Memory per idle subscriber.
    rows = []
    for scenario, label in (("S1-eventsource", "EventSource"), ("S1-websocket", "WebSocket")):
        p = median(runs, scenario, "pushgw", "memory.pss_per_subscriber")
        n = median(runs, scenario, "nchan", "memory.pss_per_subscriber")
        if p is None and n is None:
            continue
        rows.append(f'"{label}" {p if p is not None else "NaN"} {n if n is not None else "NaN"}')
    if rows:
        nchan_series = (', "" using 3 lc rgb "' + colors["nchan"] + '" title "nchan"'
                        if has_nchan(rows) else "")
        with open(os.path.join(out, "memory.dat"), "w") as f:
            f.write("\n".join(rows) + "\n")
        gnuplot(f"""
set terminal pngcairo size 700,450 font "sans,10"
set output "memory.png"
set title "S1: server memory per idle subscriber (PSS, 10k subscribers)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set grid ytics
set yrange [0:*]
set ylabel "bytes"
plot "memory.dat" using 2:xtic(1) lc rgb "{colors['pushgw']}" title "pushgw"{nchan_series}, \\
     3072 with lines lc rgb "black" dt 2 lw 2 title "target 3 KiB"
""", out)
        made.append("memory.png")
    return made


def machine(meta):
    return (f"{meta.get('cpus')} × {meta.get('cpu_model')}, {meta.get('memory_gib')} GiB, "
            f"{meta.get('os')}, kernel {meta.get('kernel')}; nginx {meta.get('nginx')}, "
            f"nchan {meta.get('nchan')}; pushgw {meta.get('pushgw_commit')}"
            + (f" + {meta['pushgw_dirty_files']} modified files in the work tree"
               if meta.get("pushgw_dirty_files") else "")
            + f"; {meta.get('workers')} workers each; load generator with "
              f"{meta.get('client_threads')} thread(s) on the same machine")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--docs")
    ap.add_argument("--docs_images")
    args = ap.parse_args()
    out = args.out
    runs = load(out)
    meta = json.load(open(os.path.join(out, "meta.json"))) if os.path.exists(
        os.path.join(out, "meta.json")) else {}
    md, verdicts = table(runs)
    made = plots(runs, out)

    results = {"meta": meta, "medians": {}, "runs": {}}
    for (scenario, server), rs in sorted(runs.items()):
        key = f"{scenario}/{server}"
        results["runs"][key] = rs
        results["medians"][key] = {
            path: median(runs, scenario, server, path)
            for path in sorted({r[2] for r in ROWS} | {"cpu.client_cores", "cpu.server_cores",
                                                       "cpu.other_cpu_seconds",
                                                       "latency_ms.p999", "latency_ms.max"})}
    json.dump(results, open(os.path.join(out, "results.json"), "w"), indent=1)
    head = (f"Machine: {machine(meta)}.\n\nCommand: `{meta.get('command', '')}` "
            f"({meta.get('repeat', 1)} run(s) per scenario and server, medians; "
            f"{meta.get('duration_s')} s of publishing per run; run {meta.get('date', '')}).\n")
    with open(os.path.join(out, "table.md"), "w") as f:
        f.write(head + "\n" + md + "\n")
    print(md)
    if verdicts:
        print("\ntargets:")
        for scenario, metric, target, met in verdicts:
            print(f"  {scenario:16s} {metric:34s} {target:18s} {met}")

    if args.docs:
        images = args.docs_images
        os.makedirs(images, exist_ok=True)
        for name in made:
            shutil.copy(os.path.join(out, name), os.path.join(images, name))
        # The medians behind the table (the raw runs stay in the output directory).
        with open(os.path.join(images, "results.json"), "w") as f:
            json.dump({"meta": meta, "medians": results["medians"]}, f, indent=1, sort_keys=True)
        rel = os.path.relpath(images, os.path.dirname(os.path.abspath(args.docs)))
        block = [BEGIN, "", head, md, ""]
        for name in made:
            block.append(f"![{name[:-4]}]({rel}/{name})\n")
        block.append(END)
        text = open(args.docs).read() if os.path.exists(args.docs) else f"# Benchmarks\n\n{BEGIN}\n{END}\n"
        if BEGIN in text and END in text:
            before = text[:text.index(BEGIN)]
            after = text[text.index(END) + len(END):]
            text = before + "\n".join(block) + after
        else:
            text += "\n" + "\n".join(block) + "\n"
        open(args.docs, "w").write(text)
        print(f"report: updated {args.docs} and {images}/")


if __name__ == "__main__":
    main()
