"""Uploaded files of a closed tab are let go once Streamlit can no longer resume its session."""

from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
from streamlit.runtime.uploaded_file_manager import UploadedFileRec

from textclf.limits import UPLOADS_KEPT_SECONDS
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
