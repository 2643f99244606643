"""The package is typed (PEP 561): it ships py.typed and _einjit.pyi, the stub describes what the
extension module defines (names, parameters, defaults), and every public function, method and
property is annotated. scripts/python-test.sh runs mypy on the installed package for the rest."""

import ast
import inspect
import pathlib
import re
import typing

import numpy as np
import pytest

import einjit
import einjit._einjit
import einjit.dask

_PACKAGE = pathlib.Path(einjit.__file__).parent
_STUB = _PACKAGE / "_einjit.pyi"
# einjit.einsum gets its annotations with the rewrite of its fast path. Listed here (and
# exempted in pyproject.toml's [tool.mypy]) until then; the test fails once it is annotated, so
# that the exemption goes too.
_NOT_YET_ANNOTATED: set[str] = set()


def _public_functions():
    """(qualified name, function) for the functions in einjit.__all__ and einjit.dask.__all__ and
    the methods and properties of the classes there."""
    found = []
    for module in (einjit, einjit.dask):
        for value in (getattr(module, name) for name in module.__all__):
            members = vars(value).values() if inspect.isclass(value) else [value]
            for member in members:
                function = member.fget if isinstance(member, property) else member
                if inspect.isfunction(function):
                    found.append((f"{function.__module__}.{function.__qualname__}", function))
    return found


_PUBLIC = _public_functions()


def test_ships_the_marker_and_the_stub():
    assert (_PACKAGE / "py.typed").is_file()
    assert _STUB.is_file()
    assert pathlib.Path(einjit._einjit.__file__).parent == _PACKAGE  # the stub's module


def test_finds_the_public_functions():
    names = {name for name, _ in _PUBLIC}
    assert {"einjit.call", "einjit._engine.Engine.__init__", "einjit._engine.Plan.out_shape",
            "einjit._explain.Explanation.as_dict", "einjit.dask._calls.statistics"} <= names


@pytest.mark.parametrize("name, function", _PUBLIC, ids=[name for name, _ in _PUBLIC])
def test_public_function_is_annotated(name, function):
    signature = inspect.signature(function)
    parameters = list(signature.parameters.values())
    if parameters and parameters[0].name == "self":
        parameters = parameters[1:]
    missing = [p.name for p in parameters if p.annotation is inspect.Parameter.empty]
    if signature.return_annotation is inspect.Signature.empty:
        missing.append("return")
    if name in _NOT_YET_ANNOTATED:
        assert missing, f"{name} is annotated: remove its exemptions (test_typing.py, pyproject)"
        return
    assert not missing, f"{name} has no annotation for {', '.join(missing)}"
    if not name.startswith("einjit.dask."):  # those name dask's types only for type checkers
        typing.get_type_hints(function)  # the annotations resolve at run time too


def _nanobind_def(function):
    """The def nanobind gives `function` (its defaults written in), as an ast.FunctionDef."""
    (text, _, defaults), = function.__nb_signature__
    text = re.sub(r"\\(\d+)", lambda m: repr(defaults[int(m.group(1))]), text)
    return ast.parse(text + ": ...").body[0]


def _parameters(node):
    """[(name, default)] of a def: name None when positional-only, default ... when none."""
    args = node.args
    positional = args.posonlyargs + args.args
    defaults = [...] * (len(positional) - len(args.defaults))
    defaults += [ast.literal_eval(d) for d in args.defaults]
    return [(None if k < len(args.posonlyargs) else a.arg, d)
            for k, (a, d) in enumerate(zip(positional, defaults))]


def _check_def(where, stub, runtime):
    """The stub's def takes the parameters the extension's does; an overload may leave out a
    default but never state another one."""
    assert not (stub.args.vararg or stub.args.kwarg or stub.args.kwonlyargs), where
    declared, actual = _parameters(stub), _parameters(_nanobind_def(runtime))
    assert [n for n, _ in declared] == [n for n, _ in actual], where
    for (name, default), (_, runtime_default) in zip(declared, actual):
        if default is not ...:
            assert default == runtime_default, f"{where}: {name}={default!r}"


def _is_overload(node):
    return any(isinstance(d, ast.Name) and d.id == "overload" for d in node.decorator_list)


def _is_property(node):
    return any(isinstance(d, ast.Name) and d.id == "property" for d in node.decorator_list)


def test_stub_describes_the_extension_module():
    module = einjit._einjit
    tree = ast.parse(_STUB.read_text(encoding="utf-8"))
    defined = [node for node in tree.body if isinstance(node, (ast.ClassDef, ast.FunctionDef))]
    assert {node.name for node in defined} == {n for n in dir(module) if not n.startswith("_")}
    for node in defined:
        runtime = getattr(module, node.name)
        if isinstance(node, ast.FunctionDef):
            _check_def(node.name, node, runtime)
            continue
        if issubclass(runtime, BaseException):
            continue  # Error: test_stub_describes_the_error
        members = [m for m in node.body if isinstance(m, ast.FunctionDef)]
        exported = {n for n, v in vars(runtime).items()
                    if not n.startswith("_") or hasattr(v, "__nb_signature__")}
        assert {m.name for m in members} == exported, node.name
        for member in members:
            where = f"{node.name}.{member.name}"
            value = vars(runtime)[member.name]
            assert _is_property(member) == isinstance(value, property), where
            if not _is_property(member):
                _check_def(where, member, value)
        overloaded = [m.name for m in members if _is_overload(m)]
        assert all(overloaded.count(name) >= 2 for name in overloaded), node.name


def _raise_shape_error():
    einjit.explain("ij,jk->ik", (2, 3), (4, 5))


def _raise_misuse_error():  # an error without source text: column and caret None
    einjit.compile("ij,jk->ik", (2, 3), (3, 4))(np.ones((2, 3)), np.ones((3, 4)))


@pytest.mark.parametrize("raise_error", [_raise_shape_error, _raise_misuse_error])
def test_stub_describes_the_error(raise_error):
    tree = ast.parse(_STUB.read_text(encoding="utf-8"))
    (error,) = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Error"]
    assert [ast.unparse(base) for base in error.bases] == ["ValueError"]
    assert issubclass(einjit._einjit.Error, ValueError)
    declared = {n.target.id: ast.unparse(n.annotation) for n in error.body
                if isinstance(n, ast.AnnAssign)}
    with pytest.raises(einjit.Error) as raised:
        raise_error()
    attributes = vars(raised.value)
    assert set(attributes) == set(declared)
    for name, value in attributes.items():
        kinds = {"str": str, "int | None": (int, type(None)), "str | None": (str, type(None))}
        assert isinstance(value, kinds[declared[name]]), (name, value)
