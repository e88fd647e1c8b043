"""Where texts come from (20 Newsgroups, your own file) and how they become word-count vectors."""

from textclf.data.corpus import (
    FIRST_DATA_ROW, BadDataChoice, Corpus, Nouns, content_fingerprint, describe, newsgroups_choice, nouns,
    post_title, sheet_row,
)
from textclf.data.newsgroups import (
    ARCHIVE_ENV, NEWSGROUPS, REMOVE_PARTS, TUTORIAL_CATEGORIES, DataUnavailable, build_cache_from_archive,
    check_categories, clear_cache, ensure_newsgroups, header_example, load_newsgroups, preload_newsgroups,
)

__all__ = [
    "ARCHIVE_ENV", "FIRST_DATA_ROW", "NEWSGROUPS", "REMOVE_PARTS", "TUTORIAL_CATEGORIES", "BadDataChoice", "Corpus",
    "DataUnavailable", "Nouns", "build_cache_from_archive", "check_categories", "clear_cache", "content_fingerprint",
    "describe", "ensure_newsgroups", "header_example", "load_newsgroups", "newsgroups_choice", "nouns",
    "post_title", "preload_newsgroups", "sheet_row",
]
