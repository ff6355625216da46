#!/usr/bin/env python3
"""Turns bench.json files (written by `warrant-coordinator bench --out DIR`) into SVG plots:
committed requests/s and p99 commit latency, against the number of validators and against
the offered load. Standard library only; the SVGs are self-contained.

Usage: scripts/plot_bench.py --by-n DIR... --by-load DIR... --out DOCS_DIR
"""
import argparse
import json
import os


def load(dirs):
    return [json.load(open(os.path.join(d, "bench.json"))) for d in dirs]


def nice_max(value):
    if value <= 0:
        return 1
    step = 10 ** (len(str(int(value))) - 1)
    for factor in (1, 2, 2.5, 5, 10):
        if factor * step >= value:
            return factor * step
    return 10 * step


def panel(points, x0, title, xlabel, ylabel, colour, width=330, height=230, reference=None):
    """One line plot at horizontal offset x0: axes, ticks, the line, its points and values."""
    left, right, top, bottom = 55, 15, 30, 45
    w, h = width - left - right, height - top - bottom
    xs = [p[0] for p in points]
    ymax = nice_max(max([p[1] for p in points] + ([reference[1]] if reference else [])) * 1.1)
    xmin, xmax = min(xs), max(xs)
    span = (xmax - xmin) or 1

    def px(x):
        return x0 + left + (x - xmin) / span * w

    def py(y):
        return top + h - y / ymax * h

    out = ['<text x="%d" y="18" font-size="13" font-weight="bold">%s</text>' % (x0 + left, title)]
    out.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#444"/>' % (x0 + left, top + h, x0 + left + w, top + h))
    out.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#444"/>' % (x0 + left, top, x0 + left, top + h))
    for i in range(5):
        y = ymax * i / 4
        out.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/>' % (x0 + left, py(y), x0 + left + w, py(y)))
        out.append('<text x="%d" y="%.1f" font-size="10" text-anchor="end">%g</text>' % (x0 + left - 4, py(y) + 3, round(y, 1)))
    for x in xs:
        out.append('<text x="%.1f" y="%d" font-size="10" text-anchor="middle">%g</text>' % (px(x), top + h + 14, x))
    out.append('<text x="%.1f" y="%d" font-size="11" text-anchor="middle">%s</text>' % (x0 + left + w / 2, height - 8, xlabel))
    out.append('<text x="%d" y="%.1f" font-size="11" text-anchor="middle" transform="rotate(-90 %d %.1f)">%s</text>' % (
        x0 + 14, top + h / 2, x0 + 14, top + h / 2, ylabel))
    if reference:
        label, value = reference
        out.append('<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#999" stroke-dasharray="4 3"/>' % (
            x0 + left, py(value), x0 + left + w, py(value)))
        out.append('<text x="%d" y="%.1f" font-size="10" fill="#666" text-anchor="end">%s</text>' % (x0 + left + w, py(value) - 3, label))
    path = " ".join("%s%.1f,%.1f" % ("M" if i == 0 else "L", px(x), py(y)) for i, (x, y) in enumerate(points))
    out.append('<path d="%s" fill="none" stroke="%s" stroke-width="2"/>' % (path, colour))
    for x, y in points:
        out.append('<circle cx="%.1f" cy="%.1f" r="3" fill="%s"/>' % (px(x), py(y), colour))
        out.append('<text x="%.1f" y="%.1f" font-size="9" text-anchor="middle" fill="#333">%g</text>' % (px(x), py(y) - 6, round(y) if y >= 100 else round(y, 1)))
    return out


def figure(path, panels, caption):
    width = 330 * len(panels)
    body = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="250" font-family="sans-serif">' % width,
            '<rect width="100%" height="100%" fill="white"/>']
    for index, spec in enumerate(panels):
        body += panel(x0=index * 330, **spec)
    body.append('<text x="8" y="246" font-size="9" fill="#666">%s</text>' % caption)
    body.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(body) + "\n")


def committed(report):
    return report["grants_per_s"] + report["acts_per_s"]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--by-n", nargs="+", default=[])
    p.add_argument("--by-load", nargs="+", default=[])
    p.add_argument("--out", required=True)
    p.add_argument("--caption", default="")
    a = p.parse_args()
    if a.by_n:
        reports = sorted(load(a.by_n), key=lambda r: r["nodes"])
        figure(os.path.join(a.out, "bench-scaling-n.svg"), [
            dict(points=[(r["nodes"], committed(r)) for r in reports], title="Committed requests/s (closed loop)",
                 xlabel="validators (n)", ylabel="requests/s", colour="#1f6fb4"),
            dict(points=[(r["nodes"], r["commit_latency_ms"]["p99"]) for r in reports], title="p99 commit latency",
                 xlabel="validators (n)", ylabel="ms", colour="#c0392b"),
        ], a.caption)
    if a.by_load:
        reports = sorted(load(a.by_load), key=lambda r: r["offered_per_s"] or 0)
        figure(os.path.join(a.out, "bench-scaling-load.svg"), [
            dict(points=[(r["offered_per_s"], committed(r)) for r in reports], title="Committed/s against offered (n = 4)",
                 xlabel="offered requests/s", ylabel="committed/s", colour="#1f6fb4"),
            dict(points=[(r["offered_per_s"], r["commit_latency_ms"]["p99"]) for r in reports], title="p99 commit latency (n = 4)",
                 xlabel="offered requests/s", ylabel="ms", colour="#c0392b", reference=("goal 50 ms", 50)),
        ], a.caption)


if __name__ == "__main__":
    main()
