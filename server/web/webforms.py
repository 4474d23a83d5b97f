"""ODK Web Forms in Baobab's pages: where its files are served from, the import map that lets
its ES module find Vue, and the Content-Security-Policy of the pages that run it.

`@getodk/web-forms` and `vue` come from the npm registry, pinned by package-lock.json and
installed by `make install` (`npm ci`) into node_modules/; they are served as they are, with no
build step of ours. Web Forms' dist/index.js is an ES module that imports the bare specifier
"vue" and its own chunks, and injects its CSS at run time.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path

from starlette.staticfiles import StaticFiles

NODE_MODULES = Path(__file__).resolve().parents[2] / "node_modules"
WEB_FORMS_DIST = NODE_MODULES / "@getodk" / "web-forms" / "dist"
VUE_DIST = NODE_MODULES / "vue" / "dist"
WEB_FORMS_URL = "/static/web-forms"
VUE_URL = "/static/vue"
# The runtime build: Web Forms' components are compiled already, so Vue's template compiler
# (and the `new Function` it would need) stays out.
VUE_MODULE = f"{VUE_URL}/vue.runtime.esm-browser.prod.js"

IMPORT_MAP = json.dumps({"imports": {"vue": VUE_MODULE}}, separators=(",", ":"))
_IMPORT_MAP_HASH = base64.b64encode(hashlib.sha256(IMPORT_MAP.encode()).digest()).decode()

# The policy of the pages that run Web Forms, set by the page itself (server/security_headers.py
# keeps it); every other page keeps the strict PAGE_CSP. What it relaxes, and why:
# - style-src 'unsafe-inline': Web Forms injects its stylesheet (a <style> element) and PrimeVue
#   sets style attributes at run time. Styles cannot run code; scripts stay strict.
# - script-src 'wasm-unsafe-eval': its XPath parser (tree-sitter) is WebAssembly, compiled in
#   the browser. This allows compiling WebAssembly only, not eval() or new Function().
# - script-src 'sha256-...': the inline import map (an import map cannot be an external file),
#   allowed by its hash, so no other inline script runs.
# - font-src data:: its Roboto font is inlined in that stylesheet.
# - worker-src blob: data:: a photo is shrunk (image-blob-reduce, pica) in a worker the script
#   makes from a blob: or data: URL; only a script already running on the page can make one.
# - img-src/media-src blob: the form's images, audio and video and the photos one takes are
#   shown from blob: URLs.
# Map tiles are NOT allowed: the map of a location question (every location while editing)
# would fetch its tiles from tile.openstreetmap.org, telling a third party where a returnee is
# registered or visited (interview_location is a sensitive field) and from which office, and
# would fail on an office network without internet. static/webform.js turns any image of
# another site into a blank one before it is requested, so the map is drawn on a blank
# background and the policy has nothing to refuse; coordinates still come from the browser.
FORM_CSP = (
    "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "
    "style-src 'self' 'unsafe-inline'; "
    f"script-src 'self' 'wasm-unsafe-eval' 'sha256-{_IMPORT_MAP_HASH}'; "
    "font-src 'self' data:; worker-src 'self' blob: data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def installed() -> bool:
    """Whether `npm ci` has put Web Forms and Vue where the pages load them from."""
    return (WEB_FORMS_DIST / "index.js").is_file() and (VUE_DIST / Path(VUE_MODULE).name).is_file()


class StaticFilesWithPackages(StaticFiles):
    """Our own static files, plus ODK Web Forms' and Vue's (from node_modules) under
    `/static/web-forms/` and `/static/vue/`: one mount, so every static file gets the same
    headers, access rule and caching."""

    def __init__(self, directory: Path) -> None:
        super().__init__(directory=directory)
        # check_dir=False: the rest of the application runs without them (a page that needs
        # them says how to install them).
        self.bundled = {
            Path(WEB_FORMS_URL).name: StaticFiles(directory=WEB_FORMS_DIST, check_dir=False),
            Path(VUE_URL).name: StaticFiles(directory=VUE_DIST, check_dir=False),
        }

    def lookup_path(self, path: str) -> tuple[str, os.stat_result | None]:
        prefix, separator, rest = path.partition(os.sep)
        package = self.bundled.get(prefix) if separator else None
        if package is None:
            return super().lookup_path(path)
        return package.lookup_path(rest)  # which refuses paths out of its directory
