"""Which files of an installed package a zoo case copies: the package-internal import closure of its entry module.

Usage: python zoo_closure.py REQUEST.json
  (REQUEST = {"entries": {case: "pkg.mod.path" | [..]}, "roots": {case: folder}?, "out": path})
Writes {"cases": {case: {"root": site dir, "files": [relative .py paths]} | {"error": text}}} to `out`.

The rule: the files Python loads when it imports the module the case's constructor lives in, within the same
top-level package. Start from that module and follow, transitively, every import that names a module of the
package (`from ..utils import x`, `import timm.layers`, `from . import y`) at module or class level, try and
if blocks and function bodies included (a case constructs and runs the model, and a function called on import
runs its imports then: transformers' `flash_attention.py` calls one at module level), except under
`if TYPE_CHECKING:` (never executed; also `TYPE_CHECKING or FLAG`, the lazy `__init__` idiom). `from P import N` takes P's
`__init__.py` (the top-level package's too) and, when N is a submodule of P, that module; when P's `__init__` is
lazy (`_LazyModule`), the submodule its `if TYPE_CHECKING:` block imports N from (Python runs it when N is
imported); when N is itself a lazy package, every submodule it lists (an attribute of the package object loads
one). Other package
`__init__.py` files are copied only when something imports from them, so the copied tree keeps the installed
layout and an ancestor nobody imports from stays a namespace folder. The files are read with `ast`, never
imported: nothing of the package runs here.
A case with a root (a table of vendored source, test/zoo/vendor) reads its package from that folder, not from
site-packages; a vendored package may be a namespace folder (no `__init__.py`), as copied from its repository.
There the closure also follows absolute imports of the root's other top-level packages and modules: a repository
run from its checkout imports its siblings so (Time-Series-Library's `models/DLinear.py` has
`from layers.Autoformer_EncDec import series_decomp`), and a port of the repository ports them too.
"""
import ast
import importlib.util
import json
import os
import sys


def package_root(top):
    spec = importlib.util.find_spec(top)  # a top-level find_spec locates the folder without importing it
    if spec is None or not spec.submodule_search_locations:
        raise LookupError(f"package {top} is not installed")
    return os.path.dirname(list(spec.submodule_search_locations)[0])


def module_file(site, dotted):
    """`a.b.c` → `a/b/c/__init__.py` or `a/b/c.py` (relative to site), or None."""
    base = os.path.join(site, *dotted.split("."))
    for candidate in (os.path.join(base, "__init__.py"), base + ".py"):
        if os.path.isfile(candidate):
            return os.path.relpath(candidate, site)
    return None


def is_type_checking(test):
    """`TYPE_CHECKING`, `typing.TYPE_CHECKING`, or `TYPE_CHECKING or SLOW_IMPORT_FLAG` (diffusers' lazy
    `__init__` idiom, whose flag is off unless a user opts into eager imports)."""
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.Or):
        return any(is_type_checking(v) for v in test.values)
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(tree):
    """Import nodes that run on import or when a function runs: not under `if TYPE_CHECKING:`."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        for field, value in ast.iter_fields(node):
            if isinstance(node, ast.If) and field == "body" and is_type_checking(node.test):
                continue
            if isinstance(value, list):
                stack.extend(v for v in value if isinstance(v, ast.AST))
            elif isinstance(value, ast.AST):
                stack.append(value)


def lazy_names(site, package, memo):
    """For a lazy package `__init__` (`sys.modules[__name__] = _LazyModule(...)`, the idiom of transformers and
    diffusers): name → the submodule that defines it, read from the `if TYPE_CHECKING:` block that lists the
    package for type checkers (`from .aqlm import replace_with_aqlm_linear`, `from .modeling_bert import *`).
    Python runs that submodule when the name is imported from the package. {} for a package that is not lazy."""
    key = ("lazy", site, package)
    if key in memo:
        return memo[key]
    memo[key] = names = {}
    init = module_file(site, package)
    if not init or not init.endswith("__init__.py"):
        return names
    text = open(os.path.join(site, init), encoding="utf-8").read()
    if "_LazyModule" not in text:
        return names
    for node in ast.walk(ast.parse(text, init)):
        if not (isinstance(node, ast.If) and is_type_checking(node.test)):
            continue
        for stmt in ast.walk(ast.Module(body=node.body, type_ignores=[])):
            if not isinstance(stmt, ast.ImportFrom) or stmt.level != 1 or not stmt.module:
                continue
            sub = module_file(site, f"{package}.{stmt.module}")
            if not sub:
                continue
            for alias in stmt.names:
                if alias.name == "*":
                    for public in public_names(site, sub):
                        names.setdefault(public, sub)
                else:
                    names.setdefault(alias.asname or alias.name, sub)
    return names


def public_names(site, rel):
    """What `from rel import *` binds: its `__all__` when it is a literal, else its public top-level names."""
    tree = ast.parse(open(os.path.join(site, rel), encoding="utf-8").read(), rel)
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            try:
                return list(ast.literal_eval(node.value))
            except ValueError:
                break
    found = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.append(node.name)
        elif isinstance(node, ast.Assign):
            found.extend(t.id for t in node.targets if isinstance(t, ast.Name))
    return [n for n in found if not n.startswith("_")]


def lazy_source(site, package, name, memo):
    return lazy_names(site, package, memo).get(name)


def direct_imports(site, top, rel, memo, rooted=False):
    """The package files `rel` imports when it runs (memoised: cases of one package share most files); `rooted`: of
    any top-level package or module of `site` (a repository's checkout), not only of `top`."""
    key = (site, rel, top, rooted)
    if key in memo:
        return memo[key]
    this_package = rel[:-3].split(os.sep)[:-1]  # where a relative import starts (for __init__.py: the package)
    tree = ast.parse(open(os.path.join(site, rel), encoding="utf-8").read(), rel)
    found = []
    for node in imports_of(tree):
        if isinstance(node, ast.Import):
            targets = [(a.name, []) for a in node.names]
        else:
            if node.level:
                base = this_package[: len(this_package) - (node.level - 1)] if node.level > 1 else this_package
                dotted = ".".join(base + ([node.module] if node.module else []))
            else:
                dotted = node.module or ""
            targets = [(dotted, [a.name for a in node.names if a.name != "*"])]
        for dotted, names in targets:
            first = dotted.split(".")[0]
            if first != top and not (rooted and first and module_file(site, first)):
                continue
            # importing a.b.c runs a/__init__, a/b/__init__ too: each that exists is needed
            pieces = dotted.split(".")
            for i in range(1, len(pieces) + 1):
                f = module_file(site, ".".join(pieces[:i]))
                if f and (i == len(pieces) or f.endswith("__init__.py")):
                    found.append(f)
            for name in names:
                f = module_file(site, f"{dotted}.{name}") or lazy_source(site, dotted, name, memo)
                if f:
                    found.append(f)
                if f and f.endswith("__init__.py"):
                    # a lazy package bound as a module object (`from transformers.models import auto as
                    # auto_module`) loads any submodule it lists when an attribute names it
                    # (`getattr(auto_module, "image_processing_auto")`): each is needed
                    found.extend(sorted(set(lazy_names(site, f"{dotted}.{name}", memo).values())))
    memo[key] = found
    return found


def closure(site, top, entry, memo, rooted=False):
    start = module_file(site, entry)
    if start is None:
        raise LookupError(f"module {entry} not found under {site}")
    seen, todo = set(), [start]
    while todo:
        rel = todo.pop()
        if rel not in seen:
            seen.add(rel)
            todo.extend(direct_imports(site, top, rel, memo, rooted))
    return sorted(seen)


def main():
    request = json.load(open(sys.argv[1]))
    result, memo = {}, {}
    for case, entries in request["entries"].items():
        try:
            entries = [entries] if isinstance(entries, str) else entries
            top = entries[0].split(".")[0]
            rooted = case in request.get("roots", {})
            site = request["roots"][case] if rooted else package_root(top)
            if not os.path.isdir(os.path.join(site, top)):
                raise LookupError(f"package {top} is not in {site}")
            files = set()
            for entry in entries:
                files.update(closure(site, top, entry, memo, rooted))
            result[case] = {"root": site, "files": sorted(files)}
        except Exception as err:  # noqa: BLE001 - reported per case
            result[case] = {"error": f"{type(err).__name__}: {err}"}
    json.dump({"cases": result}, open(request["out"], "w"), indent=1)


if __name__ == "__main__":
    main()
