"""Judging a trained model: test metrics (evaluate), tuned linear models (baselines), whether the network beats
them (yardstick), classifying new texts (predict) and rows whose label is probably wrong (label_issues).

Import from the module itself (`textclf.analysis.predict`); this package imports nothing eagerly, so that
reading test metrics does not load cleanlab or pandas."""
