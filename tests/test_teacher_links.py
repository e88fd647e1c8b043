"""Teacher links: query parameters in, session values and locks out; malformed ones become notes."""

from urllib.parse import parse_qs

from textclf.serve.teacher_links import parse_setup, setup_query


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
