"""How the config's functions and layers become packages: the build spec of each, the build
(cached), and the smoke check of each handler. Imports no jsii, so a config check or a
benchmark can build packages without loading the CDK bindings."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from stacks.config import (
    REPO_ROOT,
    ConfigError,
    FunctionConfig,
    LayerConfig,
    StackConfig,
    repo_relative,
)
from verifier.package import (
    BuildCache,
    BuildSpec,
    BuildUnavailable,
    BuiltPackage,
    PackageError,
    Toolchain,
    build_package,
    effective_excludes,
)
from verifier.package.smoke import smoke_check

#: Where synth writes the deterministic zips (and their SBOMs) before cdktf copies them into
#: the stack's assets, and the build cache that makes an unchanged package cost no pip or npm.
PACKAGE_BUILD_DIR = REPO_ROOT / "build" / "packages"
PACKAGE_CACHE_DIR = REPO_ROOT / "build" / "package-cache"
#: pip as this interpreter's; npm on PATH, run by the project's Node 22 from node_modules.
TOOLS = Toolchain(project_root=REPO_ROOT)


def function_build(function: FunctionConfig) -> BuildSpec:
    """How a function's package is built: for its runtime and its one architecture."""
    return BuildSpec(
        source=function.source_path,
        label=repo_relative(function.source_dir),
        runtimes=(function.runtime,),
        architecture=function.architectures[0],
        exclude=effective_excludes(function.exclude),
        npm_install_scripts=function.npm_install_scripts,
    )


def layer_build(config: StackConfig, layer: LayerConfig) -> BuildSpec:
    """A layer's dependencies are installed for the architecture of the functions that use it
    (x86_64 when none does); functions of both architectures can share a layer only when it
    installs nothing (no requirements.txt, no package lock)."""
    users = [fn for fn in config.functions if layer.key in fn.layers]
    installs = any(
        (layer.source_path / name).is_file()
        for name in ("requirements.txt", "package-lock.json", "npm-shrinkwrap.json")
    )
    # No function uses it: the architectures it declares (a layer declared for arm64 gets
    # aarch64 wheels), else x86_64.
    architectures = (
        sorted({fn.architectures[0] for fn in users})
        or sorted(layer.compatible_architectures)
        or ["x86_64"]
    )
    if len(architectures) > 1 and installs:
        by_architecture = (
            "used by "
            + ", ".join(
                f"{arch} ({', '.join(fn.key for fn in users if fn.architectures[0] == arch)})"
                for arch in architectures
            )
            if users
            else f"declares {', '.join(architectures)}"
        )
        raise ConfigError(
            f"layers[{layer.key}]",
            f"installs dependencies for one architecture, but is {by_architecture}: "
            "publish one layer per architecture",
        )
    return BuildSpec(
        source=layer.source_path,
        label=repo_relative(layer.source_dir),
        runtimes=layer.compatible_runtimes,
        architecture=architectures[0] if len(architectures) == 1 else "x86_64",
        layer=True,
        exclude=effective_excludes(layer.exclude),
        npm_install_scripts=layer.npm_install_scripts,
    )


def check_builds(config: StackConfig) -> None:
    """What synth would refuse about the config's packages before building any (``make
    validate`` runs it): a layer that installs dependencies for two architectures."""
    problems = []
    for layer in config.layers:
        try:
            layer_build(config, layer)
        except ConfigError as error:
            problems.append(error)
    if problems:
        raise ConfigError.combine(problems)


def build_cached(spec: BuildSpec, path: str, config_field: str) -> BuiltPackage:
    """Build (or take from the cache) one package; any problem is one ConfigError line."""
    try:
        return build_package(
            spec,
            PACKAGE_BUILD_DIR / f"{path}.zip",
            cache=BuildCache(PACKAGE_CACHE_DIR),
            tools=TOOLS,
        )
    except (PackageError, BuildUnavailable) as error:
        raise ConfigError(config_field, str(error)) from None


def check_handlers(functions: Sequence[Any], report: Callable[[str], None]) -> None:
    """The smoke check for every function (``verifier.package.smoke``): a missing module
    stops synth; the functions it could not check here are named on one line."""
    unchecked: dict[str, list[str]] = {}
    for fn in functions:
        config: FunctionConfig = fn.function_config
        layers = [layer.package.built.path for layer in fn.layers]
        try:
            result = smoke_check(
                label=fn.function_name,
                package=fn.package.built.path,
                layers=layers,
                handler=config.handler,
                runtime_name=config.runtime,
                architecture=config.architectures[0],
                environment=dict(config.environment),
                tools=TOOLS,
            )
        except PackageError as error:
            raise ConfigError(f"functions[{config.key}].handler", str(error)) from None
        if not result.checked and not result.note.endswith("not import-checked"):
            unchecked.setdefault(result.note, []).append(config.key)
    if unchecked:
        reasons = "; ".join(f"{', '.join(keys)} ({note})" for note, keys in unchecked.items())
        report(f"synth: handler import not checked for {reasons}")
