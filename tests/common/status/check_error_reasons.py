"""Fails when code can return a google.rpc.ErrorInfo reason that the catalogue
(proto/unemployment/common/v1/error_reason.proto, enum ErrorReason) lacks.

Scans common/ and services/ for the places a reason is given: the reason argument of
status::WithErrorInfo, of status::InvalidArgumentError, and of any function with a parameter
named `reason` (such as security's Unauthenticated(message, reason)). A literal is checked as it
is; a named constant (`reason::kApplicationNotFound`, `kSnapshotStreamMismatch`) is resolved to its
value; a reason passed on from a `reason` parameter is checked where that function is called. An
argument of any other form fails the test, so that every reason stays visible to it. The fallback
reasons (a status code's name, used when no ErrorInfo is attached) must be catalogued too. The
runtime check in status::ToGrpcStatus (UE_STRICT_ERROR_REASONS, on in every test suite) covers what
a scan cannot see.

Usage: check_error_reasons.py SOURCE_DIR
"""

import os
import re
import sys

FALLBACK_REASONS = [
    "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
    "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
    "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
]
PREFIX = "ERROR_REASON_"


def catalogue(source_dir):
    path = os.path.join(source_dir, "proto/unemployment/common/v1/error_reason.proto")
    text = open(path, encoding="utf-8").read()
    names = re.findall(r"^\s*" + PREFIX + r"([A-Z0-9_]+)\s*=\s*\d+\s*;", text, re.M)
    return {n for n in names if n != "UNSPECIFIED"}


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def call_arguments(text, start):
    """The top-level arguments of the call whose '(' is just before `start`."""
    depth, args, i = 1, [""], start
    while i < len(text) and depth > 0:
        c = text[i]
        if c == '"':
            j = i + 1
            while j < len(text) and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            args[-1] += text[i:j + 1]
            i = j + 1
            continue
        if c in "({[":
            depth += 1
        elif c in ")}]":
            depth -= 1
        if depth == 1 and c == ",":
            args.append("")
        elif depth > 0:
            args[-1] += c
        i += 1
    return [a.strip() for a in args]


def sources(source_dir):
    for top in ("common", "services"):
        for folder, _, files in os.walk(os.path.join(source_dir, top)):
            for name in sorted(files):
                if name.endswith((".cc", ".h")):
                    path = os.path.join(folder, name)
                    yield path, strip_comments(open(path, encoding="utf-8").read())


def main():
    source_dir = sys.argv[1]
    known = catalogue(source_dir)
    files = list(sources(source_dir))
    constants = {}
    for _, text in files:
        for name, value in re.findall(r"\b(k\w+)\s*=\s*\"([A-Z][A-Z0-9_]*)\"", text):
            constants.setdefault(name, set()).add(value)
    # Functions that take the reason as a parameter: name -> index of that parameter.
    takes_reason = {"WithErrorInfo": 1, "InvalidArgumentError": 2}
    for _, text in files:
        for m in re.finditer(r"\b([A-Z]\w*)\(([^()]*\babsl::string_view reason\b[^()]*)\)", text):
            params = [p.strip() for p in m.group(2).split(",")]
            for index, param in enumerate(params):
                if re.search(r"\breason\b", param.split("=")[0]):
                    takes_reason.setdefault(m.group(1), index)
    found, problems = {}, []
    call = re.compile(r"(?<![\w:])(?:status::)?(" + "|".join(takes_reason) + r")\(")
    for path, text in files:
        relative = os.path.relpath(path, source_dir)
        for m in call.finditer(text):
            if text[max(0, m.start() - 6):m.start()].endswith("absl::"):
                continue
            args = call_arguments(text, m.end())
            index = takes_reason[m.group(1)]
            if len(args) <= index:
                continue  # the default reason
            arg = args[index]
            line = text.count("\n", 0, m.start()) + 1
            if re.fullmatch(r"(const )?absl::string_view reason( = \"[A-Z_]+\")?|std::string reason", arg):
                continue  # the declaration itself
            literal = re.fullmatch(r"(?:std::string\()?\"([^\"]*)\"\)?", arg)
            constant = re.fullmatch(r"(?:std::string\()?(?:\w+::)*(k\w+)\)?", arg)
            if literal:
                values = {literal.group(1)}
            elif constant and constant.group(1) in constants:
                values = constants[constant.group(1)]
            elif re.fullmatch(r"(?:std::string\()?reason\)?", arg):
                continue  # passed on: checked where the function is called
            elif re.fullmatch(r"\w+(\.|->)reason\(\)", arg):
                continue  # an ErrorInfo's reason, set (and scanned) where it was made
            else:
                problems.append(f"{relative}:{line}: reason argument '{arg}' of {m.group(1)} is "
                                "neither a literal nor a named constant")
                continue
            for value in values:
                found.setdefault(value, []).append(f"{relative}:{line}")
    for reason in FALLBACK_REASONS:
        found.setdefault(reason, []).append("status::ToGrpcStatus (a status without ErrorInfo)")
    missing = sorted(r for r in found if r not in known)
    for reason in missing:
        problems.append(f"reason {reason} (returned at {', '.join(found[reason][:3])}) is not in "
                        "proto/unemployment/common/v1/error_reason.proto")
    for reason in sorted(found):
        if not re.fullmatch(r"[A-Z][A-Z0-9]*(_[A-Z0-9]+)*", reason):
            problems.append(f"reason '{reason}' is not UPPER_SNAKE")
    print(f"{len(found)} reasons returned by the code, {len(known)} in the catalogue")
    unused = sorted(known - set(found))
    if unused:
        print("catalogued but not found by the scan (returned through other paths?): " +
              ", ".join(unused))
    for problem in problems:
        print("error: " + problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
