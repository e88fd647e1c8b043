"""Teacher links: query parameters in, session values and locks out; malformed ones become notes."""

from urllib.parse import parse_qs

from textclf.serve.teacher_links import link_base, only_this_computer, parse_setup, setup_query


def test_round_trip_of_a_lesson_setup():
    values = {"categories": ["rec.autos", "sci.space"], "remove_metadata": True, "preset": "recommended",
              "hidden_text": "64", "epochs": 3, "batch_size": 16, "lr": 0.002, "seed": 7, "val_share": 0.2,
              "dropout": 0.25, "scaling": "tfidf"}
    query = setup_query(values, ["data"])
    setup = parse_setup(parse_qs(query))
    assert setup.notes == []
    assert setup.values == values
    assert setup.locked == {"data"}


def test_malformed_and_unknown_parameters_are_notes_not_errors():
    setup = parse_setup({"categories": "rec.autos,not.a.group", "epochs": "0", "lr": "fast", "hidden": "1,x",
                         "preset": "magic", "lock": "data,everything", "utm_source": "mail", "scaling": "bm25"})
    assert "categories" not in setup.values  # one known group is not enough
    assert not {"epochs", "lr", "hidden_text", "preset", "scaling"} & setup.values.keys()
    assert setup.locked == {"data"}
    joined = " | ".join(setup.notes)
    for fragment in ("not.a.group", "epochs=0", "lr='fast'", "hidden ignored", "unknown preset 'magic'",
                     "lock=everything", "'utm_source'", "scaling 'bm25'"):
        assert fragment in joined, fragment


def test_lists_from_repeated_parameters_use_the_last_value():
    setup = parse_setup({"epochs": ["2", "4"], "categories": ["comp.graphics,rec.autos"]})
    assert setup.values == {"epochs": 4, "categories": ["comp.graphics", "rec.autos"]}


def test_hide_is_parsed_and_written_like_lock():
    setup = parse_setup({"hide": "hyperparameters,colours"})
    assert setup.hidden == {"hyperparameters"} and setup.locked == set()
    assert "hide=colours ignored" in setup.notes[0]
    assert "hide=hyperparameters" in setup_query({}, [], ["hyperparameters"])


def test_workspace_and_teacher_parameters_are_not_reported_as_unknown():
    setup = parse_setup({"categories": "rec.autos,sci.space", "ws": "w" * 32, "teacher": "secret-token-value"})
    assert setup.values == {"categories": ["rec.autos", "sci.space"]}
    assert setup.notes == []
    assert "ws" not in setup_query({"categories": ["rec.autos", "sci.space"], "workspace": "w" * 32})


def test_a_shared_link_uses_the_public_address_when_one_is_set():
    page = "http://127.0.0.1:8501/train?ws=abc&epochs=3"
    assert link_base(page) == "http://127.0.0.1:8501/train", "the page's own address, without its query"
    assert link_base(page, "https://class.example.org/textclf/") == "https://class.example.org/textclf/train"
    assert link_base("http://10.0.0.5:8501/", "") == "http://10.0.0.5:8501/"


def test_addresses_of_this_computer_are_recognised():
    for url in ("http://127.0.0.1:8501/train", "http://localhost:8501", "http://LOCALHOST/x", "http://[::1]:8501/",
                "http://app.localhost:8501", "http://127.0.1.1:8501"):
        assert only_this_computer(url), url
    for url in ("http://192.168.1.20:8501/train", "https://class.example.org/textclf/train", ""):
        assert not only_this_computer(url), url
