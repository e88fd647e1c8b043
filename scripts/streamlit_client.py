"""A Streamlit visitor without a browser: speaks Streamlit 1.67's websocket protocol the way its frontend does.

`scripts/load_test.py --clients protocol` puts twenty of these on a server to measure the server alone: a
Chromium per visitor on the server's own two cores measured the browsers' drawing as much as the server.

What the frontend does and this client does too (read from streamlit/static/static/js/index.*.js, the widget
components' `getDefaultStateFromProto`/`getCurrStateFromProto`, and streamlit/runtime/app_session.py):
- the page load: GET the page's HTML (and, on a first visit, every file the HTML names), then
  /_stcore/health and /_stcore/host-config, then the websocket /_stcore/stream with the subprotocols
  ["streamlit", "PLACEHOLDER_AUTH_TOKEN"] (no XSRF cookie is set without authentication) and permessage-deflate;
- the first rerun request names the page by its URL path (page_name) and carries the address's query string;
  later ones carry the current page's hash, and the query string as the server last set it (page_info_changed);
- every widget's value as the frontend keeps it: a widget's default when it first appears, the server's value
  when the element says set_value, dropped when a finished run no longer shows it; all of them are sent with
  every rerun request, and only the app script's own (sidebar) ones when the page changes;
- a click sets the button's trigger_value for one request (with the fragment id when the button is inside a
  fragment), then forgets it;
- `auto_rerun` messages start a timer per fragment that sends a rerun request with that fragment id and
  is_auto_rerun every `interval` seconds, whether or not the last one has been answered (setInterval); a full
  run's new_session, a page change and `stop_auto_rerun` stop them;
- the ForwardMsg cache: cacheable messages are kept by hash, their hashes sent with each rerun request, a
  `ref_hash` answered from the cache, entries older than max_cached_message_age runs dropped;
- the element tree: deltas placed by their delta_path, stale elements removed when a run finishes (only inside
  the fragments that ran, for a fragment run), the page's elements removed when a full run starts on another
  page.

What it does not do: draw anything or run JavaScript, so no lazily loaded JavaScript chunks, fonts, images,
media files or Plotly/Vega rendering; no dataframe or chart selections, file uploads, select_slider or date
widgets (their values are not sent, so the server keeps its own); no heartbeats (a browser sends them only when
embedded in a host page), no automatic reconnection (`reopened()` gives a new client on the same address and
cookies, as a reconnecting tab would), no browser history.

Cookies: it keeps those the server (or a load balancer in front of it, such as HAProxy's SERVERID) sets on any
answer, including the websocket's, and sends them back with every request, as a browser does.
"""

from __future__ import annotations

import asyncio
import gzip
import re
import time
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Self
from urllib.parse import urlsplit

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import connect

FINISHED = ForwardMsg.FINISHED_SUCCESSFULLY
FRAGMENT_FINISHED = ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY
EARLY_FOR_RERUN = ForwardMsg.FINISHED_EARLY_FOR_RERUN
# Elements whose text a reader sees, and the proto field holding it.
TEXT_FIELDS = {"heading": "body", "markdown": "body", "alert": "body", "text": "body", "code": "code_text",
               "progress": "text", "metric": "body"}
LABELLED = {"button", "download_button", "checkbox", "number_input", "text_input", "text_area", "selectbox",
            "multiselect", "radio", "slider", "button_group", "file_uploader", "page_link", "metric"}


@dataclass
class Node:
    """One element or block of the page, as the frontend's element tree holds it."""

    kind: str  # "element" or "block"
    type: str  # e.g. "markdown", "button", "vertical"
    proto: object  # the Element's or Block's own message (e.g. a Button)
    run_id: str  # the run that sent it last
    fragment_id: str  # "" outside fragments
    script_hash: str  # the script that drew it: the app's own (app.py) or the page's


@dataclass
class Request:
    """A rerun request this client sent, and when the server answered it."""

    sent: float
    first_answer: float | None = None  # the first message of any kind after sending it
    finished: float | None = None  # script_finished of the first full run that started after it
    headings: list[tuple[float, str]] = field(default_factory=list)  # headings that arrived after it

    def heading_at(self, text: str) -> float | None:
        """Returns when a heading containing `text` arrived after this request, or None."""
        return next((t for t, body in self.headings if text in body), None)


def plain_text(markdown: str) -> str:
    """Returns `markdown` as a reader sees it: no bold/italic marks, no backslash escapes."""
    return re.sub(r"\\(.)", r"\1", markdown.replace("**", ""))


def page_assets(html: str) -> list[str]:
    """Returns the files a browser fetches for the page `html` before running its JavaScript: scripts,
    stylesheets, preloads and module preloads, the tab icon (not a `service-desc` link, which it never fetches)."""
    found = re.findall(r'<script\b[^>]*\bsrc="\./([^"]+)"', html)
    for tag in re.findall(r"<link\b[^>]*>", html):
        rel, href = re.search(r'rel="([^"]+)"', tag), re.search(r'href="\./([^"]+)"', tag)
        if rel and href and rel.group(1) in ("stylesheet", "modulepreload", "preload", "icon", "shortcut icon"):
            found.append(href.group(1))
    return list(dict.fromkeys(found))


def widget_value(kind: str, element, current: bool) -> WidgetState | None:
    """Returns the value the frontend keeps for a widget element: its default, or with `current` the value the
    server sets (set_value). An empty value (a cleared input) is a WidgetState with only the id, as the frontend
    sends it; None for elements the frontend keeps no value of (buttons) or whose value is not emulated."""
    state = WidgetState(id=element.id)

    def optional(name: str):
        return getattr(element, name) if element.HasField(name) else None

    if kind == "checkbox":  # st.checkbox and st.toggle
        state.bool_value = element.value if current else element.default
    elif kind == "number_input":
        number = (optional("value") if current else None)
        number = optional("default") if number is None else number
        if number is not None and element.data_type == element.INT:
            state.int_value = int(number)
        elif number is not None:
            state.double_value = number
    elif kind in ("text_input", "text_area"):
        text = optional("value" if current else "default")
        if text is not None:
            state.string_value = text
    elif kind in ("selectbox", "radio"):
        index = optional("default")
        choice = optional("raw_value") if current else (
            element.options[index] if element.options and index is not None else None)
        if choice is not None:
            state.string_value = choice
    elif kind == "multiselect":
        state.string_array_value.data.extend(element.raw_values if current else
                                             [element.options[i] for i in element.default])
    elif kind == "button_group":  # st.segmented_control, st.pills, st.feedback
        chosen = [element.options[i] for i in element.default if 0 <= i < len(element.options)]
        state.string_array_value.data.extend(
            element.raw_values if current else
            [f"{o.content_icon} {o.content}".strip() if o.content_icon else o.content for o in chosen])
    elif kind == "slider" and not element.options:  # a select_slider has options: not emulated
        state.double_array_value.data.extend(element.value if current else element.default)
    else:
        return None
    return state


class ForwardMsgCache:
    """The frontend's cache of large messages, so that the server may send a reference instead."""

    def __init__(self) -> None:
        self.messages: dict[str, tuple[bytes, int, str]] = {}  # hash -> (message, run count when last used, fragment)
        self.run_count = 0

    def resolve(self, msg: ForwardMsg, raw: bytes) -> ForwardMsg:
        """Returns `msg`, or for a reference the cached message it names (with the reference's metadata)."""
        if msg.WhichOneof("type") != "ref_hash":
            if msg.metadata.cacheable and msg.hash:
                fragment = msg.delta.fragment_id if msg.WhichOneof("type") == "delta" else ""
                old = self.messages.get(msg.hash)
                self.messages[msg.hash] = (old[0] if old else raw, self.run_count, fragment)
            return msg
        cached, _, fragment = self.messages[msg.ref_hash]  # a miss is a protocol error: let it raise
        self.messages[msg.ref_hash] = (cached, self.run_count, fragment)
        full = ForwardMsg()
        full.ParseFromString(cached)
        full.metadata.CopyFrom(msg.metadata)
        return full

    def finished_run(self, max_age: int, fragment_ids: list[str]) -> None:
        """Ages the cache by one run and drops what is older than `max_age` runs (only the fragments' after a
        fragment run)."""
        self.run_count += 1
        for key, (_, used, fragment) in list(self.messages.items()):
            if fragment_ids and (not fragment or fragment not in fragment_ids):
                continue
            if self.run_count - used > max_age:
                del self.messages[key]


class StreamlitClient:
    """One visitor's page: opens `path?query` on a Streamlit server, keeps the page's elements and widget values
    as the frontend does, and clicks buttons and sidebar links.

    Every ForwardMsg's arrival time is in `message_times`. Use `async with StreamlitClient(...) as page:`.
    """

    def __init__(self, base_url: str, path: str = "", query: str = "", *, fetch_assets: bool = False,
                 use_cache: bool = True, timeout: float = 600.0, cookies: dict[str, str] | None = None):
        self.base_url, self.path, self.query = base_url.rstrip("/"), path.strip("/"), query.lstrip("?")
        self.cookies: dict[str, str] = dict(cookies or {})  # name -> value, as the browser's cookie jar
        self.fetch_assets, self.timeout = fetch_assets, timeout
        self.cache = ForwardMsgCache() if use_cache else None
        self.message_times: list[float] = []
        self.nodes: dict[tuple[int, ...], Node] = {}
        self.widgets: dict[str, WidgetState] = {}  # the frontend's widget manager: id -> current value
        self.pages: list = []  # AppPage messages from the last `navigation`
        self.page_hash = ""  # the page shown now ("" before the first run)
        self.main_hash = ""  # the app script's own hash (its elements survive page changes)
        self.run_id = ""  # the run that is sending deltas now
        self.run_fragments: list[str] = []  # fragments of that run ([] for a full run)
        self.run_started: dict[str, float] = {}  # script_run_id -> when its new_session arrived
        self.max_cached_age = 2
        self.session_id = ""
        self.errors: list[str] = []  # compile errors and page-not-found messages
        self.auto_reruns: dict[str, tuple[float, asyncio.Task]] = {}  # fragment id -> (interval, timer)
        self.auto_rerun_requests = 0
        self.cache_hits = 0  # messages the server sent as a reference to one this client had cached
        self.requests: list[Request] = []  # every request sent by open, switch_page and click
        self._open: list[Request] = []  # those whose full run has not finished yet
        self.connected_at: float | None = None
        self._ws = None
        self._receiver: asyncio.Task | None = None
        self._changed: asyncio.Condition | None = None
        self._closed = False  # closed by this client
        self._gone = False  # the connection has ended, whoever closed it

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()

    # The connection -------------------------------------------------------------------------------------------

    async def open(self) -> Request:
        """Loads the page as a browser does and sends the first rerun request; returns that request."""
        self._changed = asyncio.Condition()
        # A thread of its own: asyncio's default pool (a few threads on two cores) would queue twenty visitors.
        with ThreadPoolExecutor(1) as pool:
            await asyncio.get_running_loop().run_in_executor(pool, self._http_page_load)
        self.connected_at = time.perf_counter()
        host = urlsplit(self.base_url).netloc
        self._ws = await connect(f"ws://{host}/_stcore/stream", origin=self.base_url,
                                 subprotocols=["streamlit", "PLACEHOLDER_AUTH_TOKEN"], max_size=None,
                                 ping_interval=None, open_timeout=self.timeout, proxy=None,
                                 additional_headers=self._cookie_header())
        self._keep_cookies(self._ws.response.headers.get_all("Set-Cookie"))
        self._receiver = asyncio.create_task(self._receive())
        return await self._send_rerun(page_name=self.path)

    def reopened(self) -> StreamlitClient:
        """Returns a new client (not yet opened) for the page this one shows, with its address and cookies: what
        a tab that reconnects after its server went away asks for."""
        page = next((p.url_pathname for p in self.pages if p.page_script_hash == self.page_hash), self.path)
        return StreamlitClient(self.base_url, page, self.query, timeout=self.timeout, cookies=self.cookies)

    @property
    def gone(self) -> bool:
        """Returns True once the connection has ended, whoever closed it."""
        return self._gone

    def _cookie_header(self) -> dict[str, str]:
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}

    def _keep_cookies(self, set_cookies: list[str]) -> None:
        for header in set_cookies:
            name, _, value = header.split(";", 1)[0].partition("=")
            if name.strip():
                self.cookies[name.strip()] = value.strip()

    async def close(self) -> None:
        """Closes the websocket (the server then ends the session) and stops the timers."""
        self._closed = True
        self._stop_auto_reruns()
        if self._ws is not None:
            await self._ws.close()
        if self._receiver is not None:
            try:
                await asyncio.wait_for(self._receiver, 10)
            except Exception:  # noqa: BLE001 - closing anyway (a timeout too)
                self._receiver.cancel()

    def _http_page_load(self) -> None:
        """GETs the page's HTML (and on a first visit the files it names), then what the frontend asks before
        opening the websocket."""
        url = f"{self.base_url}/{self.path}" + (f"?{self.query}" if self.query else "")
        html = self._get(url).decode("utf-8", "replace")
        if self.fetch_assets:
            for asset in page_assets(html):
                self._get(f"{self.base_url}/{asset}")
        self._get(f"{self.base_url}/_stcore/health")
        self._get(f"{self.base_url}/_stcore/host-config")

    def _get(self, url: str) -> bytes:
        """Returns the body of a GET to `url`, asked as a browser asks (gzip accepted, so the server compresses;
        the cookie jar sent, and the answer's cookies kept)."""
        request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip", **self._cookie_header()})
        with urllib.request.urlopen(request, timeout=600) as answer:
            self._keep_cookies(answer.headers.get_all("Set-Cookie") or [])
            body = answer.read()
            return gzip.decompress(body) if answer.headers.get("Content-Encoding") == "gzip" else body

    async def _receive(self) -> None:
        """Reads every ForwardMsg until the websocket closes."""
        try:
            async for raw in self._ws:
                arrived = time.perf_counter()
                self.message_times.append(arrived)
                msg = ForwardMsg()
                msg.ParseFromString(raw)
                if self.cache is not None:
                    self.cache_hits += msg.WhichOneof("type") == "ref_hash"
                    msg = self.cache.resolve(msg, raw)
                for request in self._open:
                    if request.first_answer is None:
                        request.first_answer = arrived
                self._handle(msg, arrived)
                async with self._changed:
                    self._changed.notify_all()
        except Exception as err:  # noqa: BLE001 - a dropped connection is reported, not raised in the loop
            if not self._closed:
                self.errors.append(f"connection lost: {err!r}")
        finally:
            self._gone = True
            self._stop_auto_reruns()
            async with self._changed:
                self._changed.notify_all()

    # Messages from the server --------------------------------------------------------------------------------

    def _handle(self, msg: ForwardMsg, arrived: float) -> None:
        """Updates the page from one message, as the frontend's App.handleMessage does."""
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            self._new_session(msg, arrived)
        elif kind == "delta":
            self._delta(msg, arrived)
        elif kind == "script_finished":
            self._script_finished(msg, arrived)
        elif kind == "navigation":
            self.pages = list(msg.navigation.app_pages)
            self.page_hash = msg.navigation.page_script_hash
        elif kind == "page_info_changed":
            self.query = msg.page_info_changed.query_string
        elif kind == "auto_rerun":
            self._auto_rerun(msg.auto_rerun.fragment_id, msg.auto_rerun.interval)
        elif kind == "stop_auto_rerun":
            for fragment_id in msg.stop_auto_rerun.fragment_ids:
                self._stop_auto_reruns(fragment_id)
        elif kind == "page_not_found":
            self.errors.append(f"page not found: {msg.page_not_found.page_name}")
        elif kind == "session_event" and msg.session_event.WhichOneof("type") == "script_compilation_exception":
            self.errors.append("compile error: " + msg.session_event.script_compilation_exception.message)

    def _new_session(self, msg: ForwardMsg, arrived: float) -> None:
        """Starts a run: a full run stops the fragment timers and, on another page, clears the page's elements."""
        session = msg.new_session
        self.run_id = msg.metadata.run.script_run_id
        self.run_fragments = list(msg.metadata.run.fragment_ids)
        self.run_started[self.run_id] = arrived
        if session.initialize.session_id:
            self.session_id = session.initialize.session_id
        if self.run_fragments:
            return
        self._stop_auto_reruns()
        self.max_cached_age = session.config.max_cached_message_age
        self.main_hash = session.main_script_hash
        if session.page_script_hash != self.page_hash:  # another page: only the app script's elements stay
            self._keep_nodes(lambda node: node.script_hash == self.main_hash)
            self._forget_inactive_widgets()
        self.page_hash = session.page_script_hash

    def _delta(self, msg: ForwardMsg, arrived: float) -> None:
        """Places an element or block at its delta_path and takes up a new widget's value."""
        delta = msg.delta
        path = tuple(msg.metadata.delta_path)
        kind = delta.WhichOneof("type")
        if kind == "new_transient":  # spinners and toasts: not part of the page's content
            return
        outer = getattr(delta, kind)
        inner_type = outer.WhichOneof("type")
        old = self.nodes.get(path)
        if kind == "new_element" or old is None or old.kind != "block" or old.type != inner_type:
            self._drop_below(path)
        node = Node("element" if kind == "new_element" else "block", inner_type,
                    getattr(outer, inner_type) if inner_type else outer, self.run_id, delta.fragment_id,
                    msg.metadata.active_script_hash)
        self.nodes[path] = node
        if node.type == "heading":
            for request in self._open:
                request.headings.append((arrived, plain_text(node.proto.body)))
        if node.kind == "element" and hasattr(node.proto, "id") and node.proto.id:
            current = bool(getattr(node.proto, "set_value", False))
            if current or node.proto.id not in self.widgets:
                value = widget_value(node.type, node.proto, current)
                if value is not None:
                    self.widgets[node.proto.id] = value

    def _script_finished(self, msg: ForwardMsg, arrived: float) -> None:
        """Ends a run: removes what it no longer drew, ages the cache, answers the requests it finished."""
        status = msg.script_finished
        run = msg.metadata.run
        if status in (FINISHED, FRAGMENT_FINISHED) and run.script_run_id:
            fragments = list(run.fragment_ids)
            if fragments:
                self._keep_nodes(lambda n: n.fragment_id not in fragments or n.run_id == run.script_run_id)
            elif run.script_run_id == self.run_id:
                self._keep_nodes(lambda n: n.run_id == run.script_run_id)
            self._forget_inactive_widgets()
        if status != EARLY_FOR_RERUN and run.script_run_id and self.cache is not None:
            self.cache.finished_run(self.max_cached_age, list(run.fragment_ids))
        if status == FINISHED and not run.fragment_ids:
            started = self.run_started.get(run.script_run_id, float("inf"))
            for request in [r for r in self._open if started >= r.sent]:
                request.finished = arrived
                self._open.remove(request)

    def _keep_nodes(self, keep: Callable[[Node], bool]) -> None:
        """Removes the nodes `keep` rejects, with everything inside them."""
        for path in sorted(self.nodes):
            if path in self.nodes and not keep(self.nodes[path]):
                self._drop_below(path)
                del self.nodes[path]

    def _forget_inactive_widgets(self) -> None:
        """Drops the values of widgets no longer on the page (the frontend's removeInactive)."""
        active = {n.proto.id for n in self.nodes.values() if getattr(n.proto, "id", "")}
        self.widgets = {k: v for k, v in self.widgets.items() if k in active}

    def _drop_below(self, path: tuple[int, ...]) -> None:
        """Removes everything inside the block at `path`."""
        for other in [p for p in self.nodes if len(p) > len(path) and p[:len(path)] == path]:
            del self.nodes[other]

    # Auto-reruns of st.fragment(run_every=...) ----------------------------------------------------------------

    def _auto_rerun(self, fragment_id: str, interval: float) -> None:
        """Starts (or, for a new interval, restarts) the timer of a `run_every` fragment."""
        if not fragment_id:
            return
        known = self.auto_reruns.get(fragment_id)
        if known is not None and known[0] == interval:
            return
        self._stop_auto_reruns(fragment_id)
        self.auto_reruns[fragment_id] = (interval, asyncio.create_task(self._every(fragment_id, interval)))

    async def _every(self, fragment_id: str, interval: float) -> None:
        """Sends the fragment's auto-rerun request every `interval` s, answered or not (setInterval)."""
        while not self._gone:
            await asyncio.sleep(interval)
            self.auto_rerun_requests += 1
            try:
                await self._send_rerun(fragment_id=fragment_id, auto=True, track=False)
            except Exception:  # noqa: BLE001 - the connection ended: _receive reports it
                return

    def _stop_auto_reruns(self, fragment_id: str | None = None) -> None:
        """Stops the timer of `fragment_id`, or all of them."""
        for fid in [fragment_id] if fragment_id else list(self.auto_reruns):
            known = self.auto_reruns.pop(fid, None)
            if known is not None:
                known[1].cancel()

    # What the visitor does -----------------------------------------------------------------------------------

    async def _send_rerun(self, *, page_name: str = "", page_hash: str | None = None, fragment_id: str = "",
                          auto: bool = False, widgets: list[WidgetState] | None = None,
                          track: bool = True) -> Request:
        """Sends a rerun request as the frontend's sendRerunBackMsg does; returns it (followed unless not `track`)."""
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = self.query
        state.page_script_hash = self.page_hash if page_hash is None else page_hash
        if not state.page_script_hash:
            state.page_name = page_name
        state.widget_states.widgets.extend(self.widgets.values() if widgets is None else widgets)
        state.fragment_id = fragment_id
        state.is_auto_rerun = auto
        if self.cache is not None:
            state.cached_message_hashes.extend(self.cache.messages)
        page = next((p.url_pathname for p in self.pages if p.page_script_hash == state.page_script_hash), self.path)
        info = state.context_info
        info.timezone, info.timezone_offset, info.locale = "UTC", 0, "en-US"
        info.url = f"{self.base_url}/{page}" + (f"?{self.query}" if self.query else "")
        info.is_embedded, info.color_scheme = False, "light"
        request = Request(time.perf_counter())
        if track:
            self.requests.append(request)
            self._open.append(request)
        await self._ws.send(msg.SerializeToString())
        return request

    async def switch_page(self, name: str) -> Request:
        """Clicks the sidebar link to the page titled or addressed `name` ("1. Data", "data"); returns the request."""
        page = next((p for p in self.pages if name in (p.page_name, p.url_pathname)), None)
        if page is None:
            raise LookupError(f"no page {name!r}: {[p.page_name for p in self.pages]}")
        self._stop_auto_reruns()
        if page.page_script_hash != self.page_hash:
            self.query = ""  # the frontend keeps only the embedding options' parameters across pages
        kept = {getattr(n.proto, "id", "") for n in self.nodes.values() if n.script_hash == self.main_hash}
        return await self._send_rerun(page_hash=page.page_script_hash,
                                      widgets=[w for k, w in self.widgets.items() if k in kept])

    def button(self, label: str) -> Node:
        """Returns the button labelled `label` on the page now; LookupError when there is none."""
        for path in sorted(self.nodes):
            node = self.nodes[path]
            if node.kind == "element" and node.type in ("button", "download_button") and node.proto.label == label:
                return node
        raise LookupError(f"no button {label!r} on the page")

    async def click(self, label: str) -> Request:
        """Presses the button labelled `label`: one rerun request with its trigger set; returns the request."""
        node = self.button(label)
        if node.proto.disabled:
            raise RuntimeError(f"the button {label!r} is disabled")
        trigger = WidgetState(id=node.proto.id, trigger_value=True)
        others = [w for k, w in self.widgets.items() if k != trigger.id]
        return await self._send_rerun(fragment_id=node.fragment_id, widgets=[*others, trigger])

    # Reading the page ----------------------------------------------------------------------------------------

    def text(self) -> str:
        """Returns the page's text as a reader sees it (markdown marks removed), in page order, one line each."""
        lines = []
        for path in sorted(self.nodes):
            node = self.nodes[path]
            if node.kind != "element":
                continue
            if node.type in LABELLED and getattr(node.proto, "label", ""):
                lines.append(plain_text(node.proto.label))
            if node.type in TEXT_FIELDS:
                lines.append(plain_text(getattr(node.proto, TEXT_FIELDS[node.type])))
        return "\n".join(lines)

    def exceptions(self) -> list[str]:
        """Returns the messages of the exceptions shown on the page."""
        return [f"{n.proto.type}: {n.proto.message}" for n in self.nodes.values() if n.type == "exception"]

    async def wait_for(self, condition: Callable[[], bool], timeout: float | None = None) -> None:
        """Waits until `condition()` holds, checked after every message; TimeoutError after `timeout` s."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: condition() or self._gone),
                                   self.timeout if timeout is None else timeout)
        if not condition():
            raise ConnectionError("; ".join(self.errors) or "the server closed the connection")

    async def finished(self, request: Request, timeout: float | None = None) -> Request:
        """Waits until the first full run started after `request` has finished; returns the request."""
        await self.wait_for(lambda: request.finished is not None, timeout)
        return request
