"""Environment variables that make a Lambda runtime load code other than the signed package.

This list never decides a pass in ``verify``: there the declaration is the whole environment
(any variable the config does not declare, or a declared one with another value, fails). It
explains why such a failure matters, and it is the fleet audit's rule, which has no declaration
(any of these on any code path fails unless ``--allow-env`` names it).

Each entry names the runtime and the mechanism (AWS's Lambda guide, the runtimes' own docs).
"""

from __future__ import annotations

CODE_LOADING_ENVIRONMENT: dict[str, str] = {
    # every runtime (Lambda, the dynamic loader, the shell, OpenSSL)
    "AWS_LAMBDA_EXEC_WRAPPER": "a wrapper script runs before the runtime (Lambda)",
    "PATH": "decides which executables the runtime and its subprocesses run",
    "HOME": "the user site (Python: its .pth files execute) and Node's global module folders "
    "($HOME/.node_modules) are under it",
    "LD_PRELOAD": "shared libraries loaded into every process (ld.so)",
    "LD_LIBRARY_PATH": "where shared libraries are loaded from (ld.so)",
    "LD_AUDIT": "auditing libraries loaded into every process (ld.so)",
    "GCONV_PATH": "iconv modules loaded from this path (glibc)",
    "BASH_ENV": "a script (or $(...) inline) run by every non-interactive bash",
    "ENV": "a script run by sh/bash in POSIX mode",
    "SHELLOPTS": "shell options, e.g. xtrace, that make PS4 run",
    "BASHOPTS": "bash options set at start",
    "PS4": "expanded (commands run) for every traced shell command",
    "PROMPT_COMMAND": "run by bash before each prompt",
    "OPENSSL_CONF": "an OpenSSL config that can load engines and providers",
    "OPENSSL_ENGINES": "where OpenSSL loads engines from",
    "OPENSSL_MODULES": "where OpenSSL loads providers from",
    # Python
    "PYTHONPATH": "module search path",
    "PYTHONHOME": "the standard library's location",
    "PYTHONSTARTUP": "a script run at interactive start",
    "PYTHONINSPECT": "interactive mode after the script",
    "PYTHONUSERBASE": "the user site directory, whose .pth files execute",
    "PYTHONPYCACHEPREFIX": "where bytecode is read from and written to",
    "PYTHONWARNINGS": "a warning category imports its module",
    "PYTHONBREAKPOINT": "the callable breakpoint() imports and runs",
    "PYTHONPLATLIBDIR": "the platform library directory",
    "PYTHONEXECUTABLE": "the interpreter path sys.executable reports",
    # Node.js
    "NODE_OPTIONS": "--require / --import / --loader modules",
    "NODE_PATH": "module search path",
    "NODE_REPL_EXTERNAL_MODULE": "a module loaded instead of the REPL",
    # Java
    "JAVA_TOOL_OPTIONS": "-javaagent and other JVM options",
    "_JAVA_OPTIONS": "JVM options",
    "JDK_JAVA_OPTIONS": "JVM options (java launcher)",
    "CLASSPATH": "class search path",
    "JAVA_HOME": "which JVM runs",
    # .NET
    "DOTNET_STARTUP_HOOKS": "startup hook assemblies",
    "DOTNET_ADDITIONAL_DEPS": "additional dependency manifests",
    "DOTNET_SHARED_STORE": "a runtime package store",
    "CORECLR_ENABLE_PROFILING": "enables a profiler library",
    "CORECLR_PROFILER": "the profiler to load",
    "CORECLR_PROFILER_PATH": "the profiler library",
    "CORECLR_PROFILER_PATH_64": "the profiler library (64-bit)",
    "CORECLR_PROFILER_PATH_32": "the profiler library (32-bit)",
    "CORECLR_PROFILER_PATH_ARM64": "the profiler library (arm64)",
    "CORECLR_ENABLE_NOTIFICATION_PROFILERS": "enables notification profiler libraries",
    "CORECLR_NOTIFICATION_PROFILERS": "notification profiler libraries to load",
    "CORECLR_NOTIFICATION_PROFILERS_64": "notification profiler libraries to load (64-bit)",
    "CORECLR_NOTIFICATION_PROFILERS_ARM64": "notification profiler libraries to load (arm64)",
    "DOTNET_ROOT": "where the .NET runtime itself is loaded from",
    # Ruby
    "RUBYOPT": "-r libraries",
    "RUBYLIB": "library search path",
    "GEM_PATH": "where gems are loaded from",
    "GEM_HOME": "where gems are loaded from",
    "BUNDLE_GEMFILE": "which Gemfile Bundler loads",
    "BUNDLE_PATH": "where Bundler loads gems from",
    "RUBYGEMS_GEMDEPS": "a Gemfile RubyGems evaluates (Ruby code) at start",
    # Perl
    "PERL5OPT": "-M modules",
    "PERL5LIB": "library search path",
    "PERLLIB": "library search path",
    "PERL5DB": "a debugger loaded with -d",
}


def explain(name: str) -> str:
    """`` (makes the runtime load code: <how>)`` for a code-loading variable, else ``""``."""
    how = CODE_LOADING_ENVIRONMENT.get(name)
    return f" (makes the runtime load code: {how})" if how else ""


def is_code_loading(name: str) -> bool:
    return name in CODE_LOADING_ENVIRONMENT
