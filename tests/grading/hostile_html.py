"""Hostile HTML in a submission (issue 19): the payloads, and a check that rendered HTML runs none of them.

Each payload sets ``window.__pwned_<N>`` (N unique) if it ever runs, so a browser test can ask which
ran and a parser can say where a live one sits. :func:`inject` puts them where a student can:
a written answer's markdown, the kit's own cell metadata (``course.question``,
``course.rubric_point``), a raw cell, a cell of their own with an nbgrader id, and a code cell
whose outputs are HTML, Javascript, Markdown, SVG, an image with a poisoned size and a widget view.
:func:`caps_cells` adds what must be capped: data URIs in every spelling tried, an attachment under
an odd MIME type, and an output of each MIME type over the output cap.
"""

from __future__ import annotations

import base64
import urllib.parse
from html.parser import HTMLParser

from nbformat.v4 import new_code_cell, new_markdown_cell, new_output, new_raw_cell

from course.grading.run import demo

MARKER = "__pwned_"

WRITTEN = {
    1: '<script>window.__pwned_1 = 1</script>',
    2: '<img src="x" onerror="window.__pwned_2 = 1">',
    3: '<iframe srcdoc="<script>parent.__pwned_3 = 1</script>"></iframe>',
    4: '[a link](javascript:window.__pwned_4=1) and <a href=" JaVaScRiPt:window.__pwned_4=1">another</a>',
    5: '<svg onload="window.__pwned_5 = 1"><circle r="4"/></svg>',
    14: '<object data="javascript:window.__pwned_14=1"></object><embed src="javascript:window.__pwned_14=1">',
    15: '<details open ontoggle="window.__pwned_15 = 1"><summary>s</summary>d</details>',
    16: '<form action="javascript:window.__pwned_16=1"><button>go</button></form><base href="http://evil.invalid/">',
    18: '<div style="position:fixed;top:0;left:0;width:100%;height:100%;background:#c00">overlay 18</div>',
}
QUESTION = '<img src="x" onerror="window.__pwned_9 = 1"> | `q` [x](javascript:window.__pwned_9=1)'
RUBRIC_POINT = '<script>window.__pwned_10 = 1</script>'
RAW_HTML = '<script>window.__pwned_19 = 1</script><img src=x onerror="window.__pwned_19=1">'
OWN_GRADE_ID = 'own"><img src=x onerror="window.__pwned_13=1">'

OUTPUT_CODE = '''from IPython.display import display, HTML, Javascript, Markdown
display(HTML('<script>window.__pwned_6 = 1</script><img src="x" onerror="window.__pwned_6 = 1">'))
display(Javascript('window.__pwned_7 = 1'))
display(Markdown('<img src="x" onerror="window.__pwned_8 = 1"> [m](javascript:window.__pwned_8=1)'))
display({'image/png': 'AAAA', 'text/plain': 'png'}, raw=True,
        metadata={'image/png': {'width': '1 onerror=window.__pwned_11=1', 'height': '2 onerror=window.__pwned_11=1'}})
display({'image/svg+xml': '<svg xmlns="http://www.w3.org/2000/svg" onload="window.__pwned_12=1">'
         '<script>window.__pwned_12 = 1</script></svg>', 'text/plain': 'svg'}, raw=True)
display({'application/vnd.jupyter.widget-view+json': {'model_id': 'm', 'version_major': 2, 'version_minor': 0},
         'text/plain': 'widget'}, raw=True)
display({'text/html': '<a href="javascript:window.__pwned_20=1">html link</a><style>body{display:none}</style>',
         'text/plain': 'html'}, raw=True, metadata={'text/html': {'isolated': True}})
'''


def _outputs_as_run() -> list:
    """What OUTPUT_CODE leaves in a notebook when it runs (for the tests that render without running it)."""
    def shown(data, metadata=None):
        return new_output("display_data", data=data, metadata=metadata or {})
    return [
        shown({"text/html": '<script>window.__pwned_6 = 1</script><img src="x" onerror="window.__pwned_6 = 1">',
               "text/plain": "<IPython.core.display.HTML object>"}),
        shown({"application/javascript": "window.__pwned_7 = 1", "text/plain": "<IPython.core.display.Javascript object>"}),
        shown({"text/markdown": '<img src="x" onerror="window.__pwned_8 = 1"> [m](javascript:window.__pwned_8=1)',
               "text/plain": "<IPython.core.display.Markdown object>"}),
        shown({"image/png": "AAAA", "text/plain": "png"},
              {"image/png": {"width": "1 onerror=window.__pwned_11=1", "height": "2 onerror=window.__pwned_11=1"}}),
        shown({"image/svg+xml": '<svg xmlns="http://www.w3.org/2000/svg" onload="window.__pwned_12=1">'
                                '<script>window.__pwned_12 = 1</script></svg>', "text/plain": "svg"}),
        shown({"application/vnd.jupyter.widget-view+json": {"model_id": "m", "version_major": 2, "version_minor": 0},
               "text/plain": "widget"}),
        shown({"text/html": '<a href="javascript:window.__pwned_20=1">html link</a><style>body{display:none}</style>',
               "text/plain": "html"}, {"text/html": {"isolated": True}}),
    ]


#: Every marker :func:`inject` plants.
MARKERS = sorted({*WRITTEN, 6, 7, 8, 9, 10, 11, 12, 13, 19, 20})


def inject(nb, *, with_outputs: bool, own_grade_id: bool = True) -> None:
    """Plant every payload in ``nb`` (a perfect submission) in place; ``with_outputs``: as if already run.

    ``own_grade_id=False`` leaves out the student's own nbgrader cell: nbgrader's autograde refuses
    a notebook with it (CheckCellMetadata), so only a render test can carry it.
    """
    written = [c for c in nb.cells if demo.is_written_answer(c)]
    written[0].source += "\n\n" + "\n\n".join(f"Payload {n}: {p}" for n, p in WRITTEN.items()) + "\n"
    for cell in written:  # the kit's own metadata, shown in the feedback's skills table
        cell.metadata.setdefault("course", {})
        cell.metadata["course"]["question"] = QUESTION
        cell.metadata["course"]["rubric_point"] = RUBRIC_POINT
    code = new_code_cell(OUTPUT_CODE)
    if with_outputs:
        code.outputs = _outputs_as_run()
        code.execution_count = 1
    own = new_code_cell("my_notes = 'with an id of my choosing'",
                            metadata={"nbgrader": {"solution": True, "grade": False, "locked": False,
                                                   "grade_id": OWN_GRADE_ID, "schema_version": 3}})
    raw = new_raw_cell(RAW_HTML, metadata={"raw_mimetype": "text/html"})
    nb.cells += [code, own, raw] if own_grade_id else [code, raw]


# --- what must be capped ---------------------------------------------------------------------------------

#: Over the 1 MiB attachment cap (a base64 text of 1.1 MiB), small enough that all spellings fit
#: in one notebook under the 20 MiB submission limit.
PICTURE = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(int(1.1 * 2**20 * 3 / 4))).decode("ascii")


def data_uri_spellings(picture: str = PICTURE) -> dict[str, str]:
    """Markdown embedding ``picture`` as a data URI, spelled each way a browser (or a student) might."""
    lines = "\n".join(picture[i:i + 76] for i in range(0, len(picture), 76))
    return {
        "plain": f"![p](data:image/png;base64,{picture})",
        "upper-case": f"![p](DATA:IMAGE/PNG;BASE64,{picture})",
        "line-breaks": f'<img src="data:image/png;base64,\n{lines}">',
        "spaces": f"![p](data: image/png ; base64 , {picture})",
        "charset-parameter": f"![p](data:image/png;charset=x;base64,{picture})",
        "percent-encoded-payload": "![p](data:image/png;base64," + urllib.parse.quote(picture, safe="") + ")",
        "percent-encoded-scheme": f"![p](data%3Aimage/png;base64,{picture})",
        "html-entities": f'<img src="&#100;&#97;&#116;&#97;&#58;image/png;base64,{picture}">',
        "colon-entity": f'<img src="data&colon;image/png;base64,{picture}">',
        "css-attribute": f'<p style="background:url(data:image/png;base64,{picture})">styled</p>',
        "not-base64": "![p](data:image/svg+xml," + urllib.parse.quote("<svg>" + "A" * len(picture) + "</svg>") + ")",
        "no-media-type": f"![p](data:;base64,{picture})",
    }


#: Output MIME types the autograded notebook must cap (each is sent over the 512 KiB output cap).
CAPPED_MIMES = ("text/plain", "text/html", "text/markdown", "text/latex", "application/javascript", "image/png",
                "image/jpeg", "image/svg+xml", "application/json", "application/vnd.jupyter.widget-view+json",
                "application/pdf", "application/x-made-up")
BIG_OUTPUT_CODE = f'''big = "A" * (600 * 1024)
for mime in {CAPPED_MIMES!r}:
    display({{"text/plain": mime, mime: ({{"k": big}} if mime.endswith("json") else big)}}, raw=True)
display({{"text/plain": "metadata only"}}, metadata={{"x": big}}, raw=True)
'''


def caps_cells() -> list:
    """New cells: one markdown cell per data-URI spelling, a raw cell with an odd attachment, a big-outputs cell."""
    cells = [new_markdown_cell(f"Spelling {name}: {text}", metadata={"spelling": name})
             for name, text in data_uri_spellings().items()]
    cells.append(new_raw_cell("attached", attachments={"blob.bin": {"application/octet-stream": PICTURE}}))
    cells.append(new_markdown_cell("![a](attachment:a.x)", attachments={"a.x": {"application/x-whatever": PICTURE}}))
    cells.append(new_code_cell(BIG_OUTPUT_CODE))
    return cells


# --- the check -------------------------------------------------------------------------------------------

_URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "xlink:href", "background", "poster", "srcset"}


#: Event handlers of nbgrader's own Formgrader template (not the student's).
FORMGRADER_HANDLERS = ("toggle_name(true);", "toggle_name(false);")


class _LiveScript(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._script: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            plain = "".join((value or "").split()).lower()
            if name.startswith("on") and value not in FORMGRADER_HANDLERS:
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name in _URL_ATTRIBUTES and plain.startswith(("javascript:", "vbscript:")):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name == "srcdoc":
                self.problems.append(f"<{tag} srcdoc=...>")
        if tag in ("object", "embed", "base", "form"):
            self.problems.append(f"<{tag}>")
        if tag == "script":
            self._script = []

    def handle_data(self, data):
        if self._script is not None:
            self._script.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            text = "".join(self._script)
            if MARKER in text:
                self.problems.append(f"<script>{text[:80]}</script>")
            self._script = None


def live_script(html: str) -> list[str]:
    """Where ``html`` could run a payload: a <script> with a marker, an on* attribute, a javascript: URL,
    an iframe srcdoc, a plugin, a <base> or a form. Empty when none."""
    parser = _LiveScript()
    parser.feed(html)
    parser.close()
    return parser.problems
