"""Uploaded files of a closed tab are let go once Streamlit can no longer resume its session."""

from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
from streamlit.runtime.uploaded_file_manager import UploadedFileRec

from textclf.limits import UPLOADS_KEPT_SECONDS
from tests.test_app import tiny_model  # noqa: F401 - the model is a fixture
from textclf.serve.sessions import SessionJanitor


def test_janitor_releases_sessions_gone_longer_than_the_grace_period():
    now, active, released = [0.0], {"a", "b"}, []
    janitor = SessionJanitor(lambda sid: sid in active, released.append, grace=150, clock=lambda: now[0])
    janitor.watch("a")
    janitor.watch("b")
    janitor.watch("a")
    assert janitor.watched == 2
    active.discard("a")  # tab "a" closed
    assert janitor.sweep() == []
    now[0] = 149
    assert janitor.sweep() == [] and released == []
    now[0] = 151
    assert janitor.sweep() == ["a"] and released == ["a"] and janitor.watched == 1
    assert janitor.sweep() == []  # released once


def test_uploaded_bytes_of_an_ended_session_are_freed():
    """Streamlit frees a session's uploads only when it shuts the session down, which an expired one never is."""
    files = MemoryUploadedFileManager("/_stcore/upload_file")
    files.add_file("closed-tab", UploadedFileRec("f1", "big.csv", "text/csv", b"x" * 1_000_000))
    files.add_file("open-tab", UploadedFileRec("f2", "small.csv", "text/csv", b"y" * 10))
    now = [0.0]
    janitor = SessionJanitor(lambda sid: sid == "open-tab", files.remove_session_files, clock=lambda: now[0])
    janitor.watch("closed-tab")
    janitor.watch("open-tab")
    janitor.sweep()
    assert files.get_files("closed-tab", ["f1"])  # still resumable
    now[0] = UPLOADS_KEPT_SECONDS + 1
    janitor.sweep()
    assert files.get_files("closed-tab", ["f1"]) == [] and files.get_files("open-tab", ["f2"])


def test_shared_reference_model_work_does_not_keep_an_uploaded_corpus():
    """views.common caches Background objects server-wide (max 16): once done, one must not pin its corpus."""
    import gc
    import weakref

    from textclf.serve.background import Background

    class Corpus:  # stands in for an uploaded corpus of many MB
        pass

    corpus = Corpus()
    alive = weakref.ref(corpus)
    work = Background(lambda c: {"accuracy": 1.0}, corpus)
    assert work.wait(10) and work.result == {"accuracy": 1.0}
    work._thread.join(10)
    del corpus
    gc.collect()
    assert alive() is None


def test_a_sweep_that_releases_sessions_hands_the_memory_back_once():
    from textclf.serve.sessions import give_memory_back

    now, trims = [0.0], []
    janitor = SessionJanitor(lambda sid: False, lambda sid: None, grace=10, clock=lambda: now[0],
                             after_release=lambda: trims.append(now[0]))
    janitor.sweep()
    assert trims == []  # nothing released, nothing to give back
    for sid in ("a", "b"):
        janitor.watch(sid)
    janitor.sweep()
    now[0] = 11
    assert sorted(janitor.sweep()) == ["a", "b"] and trims == [11]
    give_memory_back()  # the default: a collection, then malloc_trim where the C library has it


def test_uploads_on_classify_and_saved_runs_are_watched_like_those_on_data(monkeypatch, tiny_corpus, tiny_model):
    """A closed tab's file was only ever deleted when it came from 1. Data."""
    import views.server
    from tests.test_app_classify import classify_page
    from tests.test_app_runs import runs_page

    watched = []
    monkeypatch.setattr(views.server, "watch_uploads", lambda: watched.append("watched"))
    classify_page(tiny_corpus, tiny_model)
    assert watched, "Classify"
    watched.clear()
    at = runs_page()
    at.file_uploader(key="bundle_upload").upload("run.zip", b"not a zip", "application/zip").run()
    assert not at.exception and watched, "Saved runs"
