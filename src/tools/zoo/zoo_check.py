"""Static checks of one compile's emitted files, once per compile (cases of a package share it).

Usage: python zoo_check.py REQUEST.json   (REQUEST = {"root": emitted tree, "files": [relative .py], "out": path})
Writes {"files": {rel: {"unparsable": {"line", "message", "text" (the emitted line)} | null, "torchImports": [{"line", "text"}]}}}:
every file must parse with the Python 3.10 grammar (`ast.parse(feature_version=(3, 10))`), and none may import
torch or another torch* package the emitted tree does not hold itself (an emitted `torchvision` package may
import its own modules).
"""
import ast
import json
import os
import sys


def check(root, rel):
    text = open(os.path.join(root, rel), encoding="utf-8").read()
    try:
        tree = ast.parse(text, rel, feature_version=(3, 10))
    except SyntaxError as err:
        lines = text.splitlines()
        line = lines[err.lineno - 1].strip() if err.lineno and 0 < err.lineno <= len(lines) else ""
        return {"unparsable": {"line": err.lineno or 0, "message": f"{type(err).__name__}: {err.msg}", "text": line[:200]}, "torchImports": []}
    lines = text.splitlines()
    found = []
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names = [node.module]
        for name in names:
            top = name.split(".")[0]
            if top.startswith("torch") and not os.path.isdir(os.path.join(root, top)):
                found.append({"line": node.lineno, "text": lines[node.lineno - 1].strip()})
    return {"unparsable": None, "torchImports": found}


def main():
    request = json.load(open(sys.argv[1]))
    root = request["root"]
    result = {rel: check(root, rel) for rel in request["files"]}
    json.dump({"files": result}, open(request["out"], "w"))


if __name__ == "__main__":
    main()
