"""Print the module tree of course/, one line per module: its name and the first line of its docstring.

docs/architecture.md holds this output between its ``<!-- tree:start -->`` and ``<!-- tree:end -->``
markers; tests/test_layers.py fails when the two differ, so the picture cannot drift from the code.

Run: python scripts/module_tree.py            (print)
     python scripts/module_tree.py --write    (rewrite the block in docs/architecture.md)
"""
import ast, pathlib, re, sys
ROOT = pathlib.Path(__file__).resolve().parents[1]
root = ROOT / "course"
def first(p):
    d = ast.get_docstring(ast.parse(p.read_text())) or ""
    line = d.splitlines()[0] if d else ""
    line = re.sub(r"^course\.[\w.]+: ", "", line)
    return line.rstrip(".")
lines = []
def walk(folder, depth):
    files = sorted(p for p in folder.iterdir() if p.suffix == ".py")
    dirs = sorted(p for p in folder.iterdir() if p.is_dir() and (p / "__init__.py").exists())
    for p in files:
        name = p.name
        lines.append(f"{'    ' * depth}{name:<{34 - 4 * depth}} {first(p)}")
    for d in dirs:
        lines.append(f"{'    ' * depth}{d.name + '/':<{34 - 4 * depth}} {first(d / '__init__.py')}")
        walk(d, depth + 1)
lines.append(f"course/{'':27} {first(root / '__init__.py')}")
walk(root, 1)
TREE = "\n".join(l for l in lines if "__init__.py" not in l.split()[0] or l.startswith("course/"))


def write(doc: pathlib.Path = ROOT / "docs" / "architecture.md") -> None:
    text = doc.read_text(encoding="utf-8")
    head, rest = text.split("<!-- tree:start -->", 1)
    _, tail = rest.split("<!-- tree:end -->", 1)
    doc.write_text(f"{head}<!-- tree:start -->\n```text\n{TREE}\n```\n<!-- tree:end -->{tail}", encoding="utf-8")


if __name__ == "__main__":
    if "--write" in sys.argv:
        write()
    else:
        print(TREE)
