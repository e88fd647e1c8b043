"""Hostile input in the pages: what anyone can type, upload or put in an address is shown as text, never as a link."""

import re

import pytest

from tests.test_app import linked_train_page, new_app, texts, tiny_model  # noqa: F401 - the model is a fixture
from tests.test_app_classify import classify_page
from textclf.markdown_text import plain

EVIL = ["http://evil.example/login", "https://evil.example/x", "HTTP://EVIL.example", "www.evil.example.csv",
        "WwW.evil.example", "[click](http://evil.example/c) **bold**", "mail me: boss@evil.example",
        "mailto:boss@evil.example", "<http://evil.example>", "[x](http://evil.example/h)"]


def live_links(markdown: str) -> list[str]:
    """Returns the links GitHub-flavoured markdown would make of `markdown` (links and autolinks)."""
    found = re.findall(r"(?<!\\)\[[^\]]*(?<!\\)\]\(", markdown)  # [text]( with unescaped brackets
    found += re.findall(r"(?<!\\)<[a-z]+:[^>]*>", markdown, re.IGNORECASE)  # <http://...>
    unescaped = re.sub(r"\\(.)", r"\1", markdown)  # autolinks are found after escapes are undone
    found += re.findall(r"(?i)(?:https?://|www\.)[-.\w]+", unescaped)
    found += re.findall(r"[-.\w+]+@[-\w]+(?:\.[-\w]+)+", unescaped)
    return found


@pytest.mark.parametrize("text", EVIL)
def test_plain_leaves_no_link_or_formatting(text):
    assert live_links(text), "the model of the renderer must see the link in the raw text"
    escaped = plain(text)
    assert live_links(escaped) == []
    assert "**" not in escaped.replace("\\*", "")
    # What a reader sees is what was typed: only escapes and invisible joiners were added.
    assert re.sub(r"\\(.)", r"\1", escaped).replace("\u2060", "").replace("\u200b", "") == text


def shown_links(at) -> list[str]:
    """Returns every live link in the page's and sidebar's markdown, messages and captions."""
    return live_links(texts(at))


def test_a_hostile_teacher_link_is_shown_as_text(tiny_corpus):
    at = linked_train_page({"categories": "http://evil.example/login,www.evil.example"}, tiny_corpus)
    assert not at.exception
    assert "unknown newsgroup" in texts(at)
    assert shown_links(at) == [], shown_links(at)


def test_hidden_sizes_typed_as_a_link_come_back_as_text(tiny_corpus):
    at = new_app()
    at.session_state["custom_corpus"] = tiny_corpus
    at.run()
    at.switch_page("views/train.py").run()
    at.text_input(key="hidden_text").set_value("[x](http://evil.example/h)").run()
    [b for b in at.button if b.label == "Train"][0].click().run()
    assert not at.exception
    assert "Please fix the settings" in texts(at)
    assert shown_links(at) == [], shown_links(at)


def test_a_hostile_column_name_on_classify_is_shown_as_text(tiny_corpus, tiny_model):
    column = "[click](http://evil.example/c) **bold**"
    at = classify_page(tiny_corpus, tiny_model, content=f'"{column}",other\n,x\n,y\n'.encode(), name="www.evil.example.csv")
    at.selectbox(key="classify_text").set_value(column).run()
    assert not at.exception
    assert "has no text in any row" in texts(at), "a text column without text is refused, naming it"
    assert shown_links(at) == [], shown_links(at)
