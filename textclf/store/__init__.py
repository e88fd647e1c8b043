"""What is kept on disk: saved runs (runs), private workspaces and the class's published runs (workspaces),
model folders (modelfiles), downloadable bundles (bundles), the JSON door with its limits (schemas) and
spreadsheet-safe CSV files (export)."""

from textclf.store.bundles import BadBundle, NotABundle, bundle_bytes, import_bundle, read_bundle
from textclf.store.modelfiles import BadModelFile, load_model, save_model
from textclf.store.runs import RunInfo, RunNotFound, RunStore
from textclf.store.workspaces import new_workspace, published_store, valid_workspace, workspace_store

__all__ = ["BadBundle", "BadModelFile", "NotABundle", "RunInfo", "RunNotFound", "RunStore", "bundle_bytes",
           "import_bundle", "load_model", "new_workspace", "published_store", "read_bundle", "save_model",
           "valid_workspace", "workspace_store"]
