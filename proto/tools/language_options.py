#!/usr/bin/env python3
"""Checks (default) or writes (--fix) the language options of every contract under proto/.

Each .proto names its generated package for the languages integrators use, so that plain `protoc`
(or `buf generate`) produces importable code without command-line mappings. The options follow
from the proto package alone, e.g. for `package unemployment.gateway.v1;` in gateway_service.proto:

    option csharp_namespace = "Unemployment.Gateway.V1";
    option go_package = "unemployment.hrss.gov.cn/api/gen/go/unemployment/gateway/v1;gatewayv1";
    option java_multiple_files = true;
    option java_outer_classname = "GatewayServiceProto";
    option java_package = "cn.gov.hrss.unemployment.gateway.v1";
    option objc_class_prefix = "UGX";
    option php_namespace = "Unemployment\\Gateway\\V1";
    option ruby_package = "Unemployment::Gateway::V1";

The block sits right after the `package` line. A new contract file gets it with
`proto/tools/language_options.py --fix`; the `proto_language_options` test fails while a file
lacks it or carries other values.

    proto/tools/language_options.py [--fix] [PROTO_ROOT]   (default: the proto/ folder of this file)
"""

import pathlib
import re
import sys

GO_MODULE = "unemployment.hrss.gov.cn/api/gen/go"
JAVA_ROOT = "cn.gov.hrss"
PACKAGE_RE = re.compile(r"^package\s+([a-z0-9_.]+)\s*;\s*$", re.M)
OPTION_RE = re.compile(r"^option\s+(\w+)\s*=\s*(.+?)\s*;\s*$")


def camel(part):
    return "".join(word[:1].upper() + word[1:] for word in part.split("_"))


def wanted_options(package, file_name):
    parts = package.split(".")
    go_name = parts[-2].replace("_", "") + parts[-1] if len(parts) >= 2 else parts[-1]
    upper = [camel(p) for p in parts]
    # Initials of the package without its version, padded with X (buf's convention): UGX.
    prefix = "".join(p[0].upper() for p in parts[:-1])[:3].ljust(3, "X")
    stem = pathlib.Path(file_name).stem
    return {
        "csharp_namespace": f'"{".".join(upper)}"',
        "go_package": f'"{GO_MODULE}/{"/".join(parts)};{go_name}"',
        "java_multiple_files": "true",
        "java_outer_classname": f'"{camel(stem)}Proto"',
        "java_package": f'"{JAVA_ROOT}.{package}"',
        "objc_class_prefix": f'"{prefix}"',
        "php_namespace": '"' + "\\\\".join(upper) + '"',
        "ruby_package": f'"{"::".join(upper)}"',
    }


def process(path, fix):
    text = path.read_text(encoding="utf-8")
    match = PACKAGE_RE.search(text)
    if not match:
        return [f"{path}: no package line"]
    wanted = wanted_options(match.group(1), path.name)
    lines = text.split("\n")
    present = {}
    kept = []
    for line in lines:
        option = OPTION_RE.match(line)
        if option and option.group(1) in wanted:
            present[option.group(1)] = option.group(2)
            continue
        kept.append(line)
    problems = [f"{path}: option {name} is {present.get(name, 'missing')}, expected {value}"
                for name, value in wanted.items() if present.get(name) != value]
    if problems and fix:
        index = next(i for i, line in enumerate(kept) if PACKAGE_RE.match(line))
        block = [""] + [f"option {name} = {value};" for name, value in wanted.items()]
        # Drop blank lines the removed options leave right after the package line.
        rest = kept[index + 1:]
        while rest and rest[0] == "":
            rest.pop(0)
        kept = kept[:index + 1] + block + [""] + rest
        path.write_text("\n".join(kept), encoding="utf-8")
        return []
    return problems


def main(argv):
    fix = "--fix" in argv
    args = [a for a in argv if a != "--fix"]
    root = pathlib.Path(args[0]) if args else pathlib.Path(__file__).resolve().parents[1]
    files = sorted(p for p in (root / "unemployment").rglob("*.proto"))
    problems = [problem for path in files for problem in process(path, fix)]
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s); fix with: proto/tools/language_options.py --fix")
        return 1
    print(f"language options {'written' if fix else 'correct'} in {len(files)} files")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
