"""The smoke check's Python side (``verifier/package/smoke.py``), run as a script by an
isolated interpreter of the function's runtime (``python3.X -I -S smoke_python.py ...``).

It puts the unpacked package and layers on ``sys.path`` as Lambda does, answers imports of the
runtime's own SDK with stand-ins where the package does not hold it, imports the handler's
module and prints one JSON line: ``{"handler": true}``, ``{"missing": name}`` or
``{"raised": ...}``. It must run on every Python Lambda offers, so it uses the stdlib only.
"""

import importlib
import importlib.abc
import importlib.machinery
import json
import sys
import types


class _Stub(type):
    """Any attribute, call, item or iteration of a stand-in answers with another stand-in
    (a class, so a handler may also subclass, e.g., ``botocore.exceptions.ClientError``)."""

    def __getattr__(cls, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return _Stub(name, (), {})

    def __call__(cls, *args, **kwargs):
        return cls

    def __getitem__(cls, key):
        return cls

    def __iter__(cls):
        return iter(())


class _Provided(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Last on the meta path: only what the package and its layers do not hold reaches it."""

    def __init__(self, names):
        self.names = names

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in self.names:
            return importlib.machinery.ModuleSpec(name, self, is_package=True)
        return None

    def create_module(self, spec):
        module = types.ModuleType(spec.name)
        module.__path__ = []
        # A module-level __getattr__ (PEP 562): any name the handler imports from it exists.
        vars(module)["__getattr__"] = lambda attribute: _Stub(attribute, (), {})
        return module

    def exec_module(self, module):
        pass


def main(argv):
    task, opt, version, module_name, function_name, provided = argv
    sys.path[:0] = [task, f"{opt}/python/lib/python{version}/site-packages", f"{opt}/python"]
    sys.meta_path.append(_Provided(set(provided.split(","))))
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        return {"missing": error.name or str(error), "message": str(error)}
    except Exception as error:  # code that needs Lambda's services at import: not packaging
        return {"raised": f"{type(error).__name__}: {error}"}
    return {"handler": callable(getattr(module, function_name, None))}


if __name__ == "__main__":
    # The script's own directory is sys.path[0]: take it out, so the check sees nothing else.
    del sys.path[0]
    print(json.dumps(main(sys.argv[1:])))
