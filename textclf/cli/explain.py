"""`textclf explain` and `textclf words`: why a model predicted a text, and what each class looks for."""

from __future__ import annotations

import argparse

from textclf.cli.common import CliError, load_corpus


def cmd_explain(args: argparse.Namespace) -> dict:
    """Returns the explanation of --text by the model in --model."""
    from textclf.explain import ExplainError, explain, trust
    from textclf.store.modelfiles import BadModelFile, load_model

    try:
        classifier = load_model(args.model)
        label, versus = (_class_index(classifier.class_names, n) for n in (args.class_name, args.versus))
        result = explain(classifier, args.text, label, args.num_features, args.num_samples, args.seed, versus)
        report = trust(classifier, args.text, label, args.num_features, args.num_samples, args.seed) \
            if args.trust else None
    except (BadModelFile, ExplainError) as err:
        raise CliError(str(err), 2) from err
    if not args.json:
        print(f"Predicted: {result.class_names[result.predicted]}")
        for name, p in zip(result.class_names, result.probabilities):
            print(f"  {p:6.1%}  {name}")
        print("Words that pushed the prediction (positive: towards it):")
        for word, weight in result.weights:
            print(f"  {weight:+.4f}  {word}")
        if report is not None:
            print(f"Trust: {report.verdict}")
            print(f"  {report.fit_verdict}")
            print(f"  top-{report.top_k} overlap over 5 seeds {report.jaccard:.0%}; comprehensiveness "
                  f"{report.comprehensiveness:+.3f}, sufficiency {report.sufficiency:+.3f}")
            flip = report.flip
            print("  nothing up to 20 words flips it" if flip is None else
                  f"  removing {', '.join(flip['words'])} makes it {flip['new_class']}")
    out = result.to_json()
    if report is not None:
        out["trust"] = report.to_json()
    return out


def _class_index(names: tuple[str, ...], name: str | None) -> int | None:
    """Returns the index of class `name` (None stays None), or raises CliError naming the classes."""
    if name is None:
        return None
    if name not in names:
        raise CliError(f"no class {name!r}; the model's classes are: {', '.join(names)}", 2)
    return names.index(name)


def cmd_words(args: argparse.Namespace) -> dict:
    """Returns what each class of the model in --model looks for over the test texts of the chosen data."""
    from textclf.data.corpus import nouns
    from textclf.explain.topics import topic_words
    from textclf.store.modelfiles import BadModelFile, load_model

    try:
        classifier = load_model(args.model)
    except BadModelFile as err:
        raise CliError(str(err), 2) from err
    corpus = load_corpus(args)
    if tuple(corpus.class_names) != tuple(classifier.class_names):
        raise CliError("the data's classes differ from the model's: choose the data the model was trained on", 2)
    result = topic_words(classifier, corpus.test_texts, args.top)
    if not args.json:
        texts = nouns(corpus.description).texts  # "posts" for the newsgroups, "texts" for a file
        for name, rows in result.classes.items():
            print(f"{name}: " + ", ".join(f"{w} ({result.posts[w]} {texts})" for w, _ in rows))
        # --remove-metadata strips the newsgroups' headers; a file's texts keep what they hold
        fix = "see the Lesson page, or train with --remove-metadata" if texts == "posts" else "see the Lesson page"
        print(f"{len(result.suspicious)} words look like artefacts (addresses, header words, names, numbers): "
              f"they leak the answer; {fix}.")
        for word, name, reason in result.suspicious:
            print(f"  {word} ({name}): {reason}")
    return result.to_json()
