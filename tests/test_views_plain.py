"""Names and data values never reach Streamlit's Markdown unescaped (read from the source).

Every call in views/ to an element that renders its text as Markdown (titles, headers,
captions, alerts, metrics, ``st.table`` cells, widget labels and help) may only pass text made
of string literals, constants (``UPPER_CASE`` names, the ``label``/``short``/``singular``/
``title``/``description`` facts of a constant), formatted numbers (an f-string field with a
format spec) and :func:`views.text.plain`. Anything else is a value from data and fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARKDOWN_CALLS = {
    "title", "header", "subheader", "caption", "markdown", "write", "success", "info",
    "warning", "error", "toast", "metric", "progress", "expander", "page_link", "table",
    "button", "download_button", "checkbox", "radio", "selectbox", "multiselect", "text_input",
    "number_input", "date_input", "form_submit_button", "tabs", "file_uploader",
}  # fmt: skip
CHECKED_KEYWORDS = {"body", "label", "help", "text", "delta"}
METHODS_ON_TEXT = {"items", "keys", "values", "join", "lower", "upper", "capitalize", "strip"}
SAFE_CALLS = {"plain", "inline_plain", "plain_frame", "code", "len", "int", "float", "round"}
FACTS = {"label", "short", "singular", "title", "description", "plural", "value"}


class _Trust:
    """Which expressions of one module are code-authored text (literals, constants, numbers,
    ``plain(...)``, and locals or helper results built only from those)."""

    def __init__(self, tree: ast.Module):
        self.calls = set(SAFE_CALLS)
        self.names: set[str] = set()
        functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
        for _ in range(4):  # to a fixpoint: helpers returning helpers' results
            for fn in functions:
                self.names = self._locals(fn)
                returns = [r.value for r in ast.walk(fn) if isinstance(r, ast.Return) and r.value]
                if returns and all(self.ok(r) for r in returns):
                    self.calls.add(fn.name)
        self.names = set()

    def _locals(self, fn: ast.FunctionDef) -> set[str]:
        assigned: dict[str, list[ast.expr]] = {}
        for node in ast.walk(fn):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        assigned.setdefault(target.id, []).append(node.value)
            elif isinstance(node, ast.AnnAssign | ast.AugAssign | ast.For | ast.comprehension):
                target = node.target
                if isinstance(target, ast.Name):
                    assigned.setdefault(target.id, []).append(ast.Name(id="__data__"))
        params = {a.arg for a in fn.args.args + fn.args.kwonlyargs}
        trusted: set[str] = set()
        for _ in range(4):
            self.names = trusted
            trusted = {n for n, values in assigned.items()
                       if n not in params and all(self.ok(v) for v in values)}  # fmt: skip
        return trusted

    def in_function(self, fn: ast.FunctionDef | None) -> None:
        self.names = self._locals(fn) if fn else set()

    def ok(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Constant):
            return True
        if isinstance(node, ast.JoinedStr):
            return all(
                isinstance(v, ast.Constant)
                or (isinstance(v, ast.FormattedValue) and (v.format_spec is not None
                                                           or self.ok(v.value)))
                for v in node.values
            )  # fmt: skip
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in METHODS_ON_TEXT:
                return self.ok(func.value) and all(self.ok(a) for a in node.args)
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            return name in self.calls
        if isinstance(node, ast.Dict):
            return all(self.ok(v) for v in [*node.keys, *node.values] if v is not None)
        if isinstance(node, ast.List | ast.Tuple | ast.Set):
            return all(self.ok(v) for v in node.elts)
        if isinstance(node, ast.GeneratorExp | ast.ListComp):
            if not all(self.ok(g.iter) for g in node.generators):
                return False
            bound = {t.id for g in node.generators for t in ast.walk(g.target)
                     if isinstance(t, ast.Name)}  # fmt: skip
            saved, self.names = self.names, self.names | bound
            try:
                return self.ok(node.elt)
            finally:
                self.names = saved
        if isinstance(node, ast.Name):
            return node.id.isupper() or node.id in self.names
        if isinstance(node, ast.Attribute):
            return node.attr in FACTS or node.attr.isupper() or self.ok(node.value)
        if isinstance(node, ast.Subscript):
            return isinstance(node.value, ast.Name) and node.value.id.isupper()
        if isinstance(node, ast.BinOp):
            return self.ok(node.left) and self.ok(node.right)
        if isinstance(node, ast.IfExp):
            return self.ok(node.body) and self.ok(node.orelse)
        return False


def _trusted(node: ast.expr) -> bool:
    """Whether ``node`` is code-authored text, outside any function."""
    return _Trust(ast.Module(body=[], type_ignores=[])).ok(node)


def _untrusted_calls(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    trust = _Trust(tree)
    found = []
    for fn in [None, *(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef))]:
        trust.in_function(fn)
        body = fn.body if fn else [n for n in tree.body if not isinstance(n, ast.FunctionDef)]
        for node in (n for stmt in body for n in ast.walk(stmt)):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if node.func.attr not in MARKDOWN_CALLS:
                continue
            attr = node.func.attr
            args = list(node.args[:2] if attr == "metric" else node.args[:1])
            if attr in ("progress", "page_link"):
                args = []  # a number; a page
            extra = {"metric": {"value"}, "table": {"data"}}.get(attr, set())
            args += [kw.value for kw in node.keywords if kw.arg in extra]
            args += [kw.value for kw in node.keywords if kw.arg in CHECKED_KEYWORDS]
            for arg in args:
                if not trust.ok(arg):
                    found.append(f"{path.name}:{node.lineno} {node.func.attr}({ast.unparse(arg)})")
    return sorted(set(found))


def test_markdown_elements_in_views_get_only_plain_text() -> None:
    problems = [p for path in sorted((ROOT / "views").glob("*.py")) for p in _untrusted_calls(path)]
    assert problems == [], "wrap data in views.text.plain:\n" + "\n".join(problems)


def test_the_checker_catches_data_and_allows_plain() -> None:
    source = (
        "st.header(p.name)\nst.header(plain(p.name))\nst.caption(f'Code {code}')\n"
        "st.caption(f'{n:,} premises of {MEASURES[m].label}')\nc1.metric('Premises', value)\n"
        "st.table(frame)\nst.table(plain_frame(frame))\n"
    )
    tree = ast.parse(source)
    verdicts = [_trusted(call.args[1] if call.func.attr == "metric" else call.args[0])
                for call in (n.value for n in tree.body)]  # fmt: skip
    assert verdicts == [False, True, False, True, False, False, True]


def test_inline_plain_disarms_what_markdown_reads_mid_line_and_nothing_else() -> None:
    """The end of a widget label: Streamlit copies its source into ``aria-label``, so the
    escapes a screen reader would read out are only the ones Markdown needs mid-line."""
    import re

    from views.text import WORD_JOINER, as_shown, inline_plain

    hostile = "{{7*7}} ![x](http://127.0.0.1:9/x.png) $x$ <script>a</script> :red[hi] a@b.org"
    shown = inline_plain(hostile)
    # Only . ( ) - # + = ^ and the like stay bare: none of them means anything mid-line.
    assert not re.search(r"[\\`*_\[\]<>!$:~|&{}@]", re.sub(r"\\.", "", shown).replace(
        WORD_JOINER + "@", "")), shown  # fmt: skip
    assert as_shown(shown) == hostile
    assert "](http\\" not in shown and WORD_JOINER in shown  # no link, no autolink
    ordinary = "Enter a full UK postcode, for example NR1 3QU (or 'No service at all')."
    assert inline_plain(ordinary) == ordinary  # no backslash for a screen reader to read
