"""What the per-file choice of word pairs costs: the recommended preset as shipped against the same run on words alone,
and against a run of the option it kept, without the choice.

    PYTHONPATH=. .venv/bin/python scripts/choice_time.py SET [SET ...] [--repeats 2]

SET as in scripts/compare_public.py. Each configuration runs once first (seed 41) so both find their compiled
steps in the disk cache, as a user's second file of the same shape would; then words alone and the choice alternate
at seed 42, `--repeats` times, then the option kept on its own. Prints one JSON line per set: the median seconds of
each and the ratios (the budget: at most 2 on a few thousand short texts, at most 1.5 on all 20 newsgroups).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from dataclasses import replace

from compare_public import load  # noqa: E402 (a script beside this one)
from textclf.learn.choice import WORDS as WORDS_NAME, median_words
from textclf.learn.model import enable_compilation_cache
from textclf.learn.presets import PRESETS
from textclf.learn.train import run_to_end, train

PRESET = PRESETS["recommended"]
WORDS = replace(PRESET.features, choose_pairs=False)


def seconds(corpus, features, seed: int) -> tuple[float, str | None]:
    """Returns (wall seconds of a whole run, what it chose)."""
    started = time.perf_counter()
    finished = run_to_end(train(corpus, features, replace(PRESET.train_config, seed=seed)))
    return time.perf_counter() - started, (finished.classifier.info.get("chosen") or {}).get("chosen")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="+")
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    enable_compilation_cache()
    for name in args.sets:
        corpus = load(name)
        for features in (WORDS, PRESET.features):
            seconds(corpus, features, 41)
        words, chosen, picks = [], [], set()
        for _ in range(args.repeats):
            words.append(seconds(corpus, WORDS, 42)[0])
            took, pick = seconds(corpus, PRESET.features, 42)
            chosen.append(took)
            picks.add(pick)
        kept = WORDS if picks == {WORDS_NAME} else replace(WORDS, pairs=True)
        seconds(corpus, kept, 41)
        kept_alone = statistics.median([seconds(corpus, kept, 42)[0] for _ in range(args.repeats)])
        print(json.dumps({"set": name, "median_words": median_words(corpus.train_texts),
                          "words_alone_seconds": statistics.median(words), "choice_seconds": statistics.median(chosen),
                          "ratio": statistics.median(chosen) / statistics.median(words), "chosen": sorted(map(str, picks)),
                          "kept_alone_seconds": kept_alone, "ratio_to_kept": statistics.median(chosen) / kept_alone}),
              flush=True)


if __name__ == "__main__":
    main()
