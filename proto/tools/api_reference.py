#!/usr/bin/python3
"""Writes (default) or checks (--check) the API reference in proto/reference/: one Markdown page per
proto package, made from the contracts' descriptor set with source info (protoc
--include_source_info), i.e. from the comments of every service, method, message, field and enum.

    proto/tools/api_reference.py            regenerate proto/reference/ after changing a contract
    proto/tools/api_reference.py --check    exit 1 when proto/reference/ is not what the contracts give
                                            (the api_reference_current test)

Every .proto under proto/unemployment/ is included, so a new package gets its page without changes
here. Needs protoc and python3-protobuf (Debian).
"""

import pathlib
import re
import subprocess
import sys
import tempfile

from google.protobuf import descriptor_pb2

PROTO_ROOT = pathlib.Path(__file__).resolve().parents[1]
REFERENCE = PROTO_ROOT / "reference"
# FileDescriptorProto / DescriptorProto / EnumDescriptorProto / ServiceDescriptorProto field numbers
# used in SourceCodeInfo paths.
FILE_MESSAGE, FILE_ENUM, FILE_SERVICE = 4, 5, 6
MESSAGE_FIELD, MESSAGE_NESTED, MESSAGE_ENUM = 2, 3, 4
ENUM_VALUE, SERVICE_METHOD = 2, 2
FD = descriptor_pb2.FieldDescriptorProto
SCALARS = {
    FD.TYPE_DOUBLE: "double", FD.TYPE_FLOAT: "float", FD.TYPE_INT64: "int64",
    FD.TYPE_UINT64: "uint64", FD.TYPE_INT32: "int32", FD.TYPE_FIXED64: "fixed64",
    FD.TYPE_FIXED32: "fixed32", FD.TYPE_BOOL: "bool", FD.TYPE_STRING: "string",
    FD.TYPE_BYTES: "bytes", FD.TYPE_UINT32: "uint32", FD.TYPE_SFIXED32: "sfixed32",
    FD.TYPE_SFIXED64: "sfixed64", FD.TYPE_SINT32: "sint32", FD.TYPE_SINT64: "sint64",
}


def descriptor_set():
    files = sorted(str(p.relative_to(PROTO_ROOT)) for p in (PROTO_ROOT / "unemployment").rglob("*.proto"))
    with tempfile.TemporaryDirectory() as tmp:
        out = pathlib.Path(tmp) / "contracts.binpb"
        subprocess.run(["protoc", "-I", str(PROTO_ROOT), "--include_source_info",
                        f"--descriptor_set_out={out}", *files], check=True)
        result = descriptor_pb2.FileDescriptorSet()
        result.ParseFromString(out.read_bytes())
    return result


def escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def paragraph(comment):
    """A comment as Markdown: its lines kept, so paragraphs flow and "- " items render as lists."""
    lines = [line[1:] if line.startswith(" ") else line for line in comment.rstrip().split("\n")]
    return "\n".join(escape(line).rstrip() for line in lines).strip()


def cell(comment):
    """A comment in one table cell: lines flow, a blank line or a "- " item starts a new line."""
    parts = []
    for line in comment.strip().split("\n"):
        line = escape(line.strip()).replace("|", "\\|")
        if not parts:
            parts.append(line)
        elif not line or line.startswith("- "):
            parts.append("<br>" + line)
        else:
            parts.append((" " if not parts[-1].endswith("<br>") else "") + line)
    return "".join(parts).replace("<br><br>", "<br>")


def slug(heading):
    """GitHub's anchor of a heading."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")


class Page:
    def __init__(self, package):
        self.package = package
        self.out = []

    def line(self, text=""):
        self.out.append(text)


class Reference:
    def __init__(self, fds):
        self.files = [f for f in fds.file if f.name.startswith("unemployment/")]
        # Full type name (".pkg.Msg.Nested") -> (package, heading) for links.
        self.types = {}
        for f in self.files:
            for name, _ in self.walk_types(f):
                local = name[len(f.package) + 2:]
                self.types[name] = (f.package, local)

    def walk_types(self, f):
        def walk(prefix, messages, enums):
            for m in messages:
                name = f"{prefix}.{m.name}"
                yield name, m
                yield from walk(name, m.nested_type, m.enum_type)
            for e in enums:
                yield f"{prefix}.{e.name}", e
        yield from walk(f".{f.package}", f.message_type, f.enum_type)

    def type_link(self, type_name, here):
        if type_name in self.types:
            package, local = self.types[type_name]
            page = "" if package == here else f"{package}.md"
            return f"[`{local if package == here else type_name[1:]}`]({page}#{slug(local)})"
        return f"`{type_name[1:]}`"

    def field_type(self, field, here, maps):
        if field.type_name in maps:
            key, value = maps[field.type_name]
            return (f"map&lt;{self.field_type(key, here, maps)}, "
                    f"{self.field_type(value, here, maps)}&gt;")
        if field.type in (FD.TYPE_MESSAGE, FD.TYPE_ENUM):
            return self.type_link(field.type_name, here)
        return f"`{SCALARS[field.type]}`"

    def pages(self):
        packages = {}
        for f in self.files:
            packages.setdefault(f.package, []).append(f)
        result = {}
        for package, files in sorted(packages.items()):
            result[f"{package}.md"] = self.package_page(package, files)
        result["README.md"] = self.index(packages)
        return result

    def index(self, packages):
        out = ["# API reference", "",
               "Generated from the contracts in `proto/` by `proto/tools/api_reference.py` (do not edit;",
               "the `api_reference_current` test fails when a page is stale). One page per package.",
               "", "| package | files | services |", "|---|---|---|"]
        for package, files in sorted(packages.items()):
            services = ", ".join(f"`{s.name}`" for f in files for s in f.service) or "(shared types)"
            names = ", ".join(f"`{f.name}`" for f in files)
            out.append(f"| [{package}]({package}.md) | {names} | {services} |")
        return "\n".join(out) + "\n"

    def package_page(self, package, files):
        page = Page(package)
        page.line(f"# {package}")
        page.line()
        page.line("Generated from " + ", ".join(f"`proto/{f.name}`" for f in files) +
                  " by `proto/tools/api_reference.py`; do not edit.")
        for f in files:
            comments = {tuple(loc.path): loc for loc in f.source_code_info.location}
            syntax = comments.get((12,))  # the file's header comment is attached to `syntax`
            page.line()
            page.line(f"## File `{f.name}`")
            if syntax and syntax.leading_comments.strip():
                page.line()
                page.line(paragraph(syntax.leading_comments))
            for i, service in enumerate(f.service):
                self.service(page, f, comments, service, (FILE_SERVICE, i))
            for i, message in enumerate(f.message_type):
                self.message(page, f, comments, message, (FILE_MESSAGE, i), message.name)
            for i, enum in enumerate(f.enum_type):
                self.enum(page, comments, enum, (FILE_ENUM, i), enum.name)
        return "\n".join(page.out).rstrip() + "\n"

    @staticmethod
    def comment(comments, path):
        loc = comments.get(tuple(path))
        return loc.leading_comments if loc else ""

    def service(self, page, f, comments, service, path):
        page.line()
        page.line(f"### {service.name}")
        page.line()
        page.line(paragraph(self.comment(comments, path)))
        page.line()
        page.line("| method | request | response | description |")
        page.line("|---|---|---|---|")
        for j, method in enumerate(service.method):
            request = ("stream " if method.client_streaming else "") + self.type_link(method.input_type, f.package)
            response = ("stream " if method.server_streaming else "") + self.type_link(method.output_type, f.package)
            text = cell(self.comment(comments, path + (SERVICE_METHOD, j)))
            page.line(f"| `{method.name}` | {request} | {response} | {text} |")

    def message(self, page, f, comments, message, path, name):
        if message.options.map_entry:
            return
        maps = {}
        for k, nested in enumerate(message.nested_type):
            if nested.options.map_entry:
                maps[f".{f.package}.{name}.{nested.name}"] = (nested.field[0], nested.field[1])
        page.line()
        page.line(f"### {name}")
        page.line()
        text = paragraph(self.comment(comments, path))
        if text:
            page.line(text)
            page.line()
        if message.field:
            page.line("| field | number | type | description |")
            page.line("|---|---|---|---|")
            for j, field in enumerate(message.field):
                label = ""
                if field.label == FD.LABEL_REPEATED and field.type_name not in maps:
                    label = "repeated "
                elif field.proto3_optional:
                    label = "optional "
                oneof = ""
                if field.HasField("oneof_index") and not field.proto3_optional:
                    oneof = f" (oneof `{message.oneof_decl[field.oneof_index].name}`)"
                text = cell(self.comment(comments, path + (MESSAGE_FIELD, j)))
                page.line(f"| `{field.name}` | {field.number} | {label}{self.field_type(field, f.package, maps)}"
                          f"{oneof} | {text} |")
        else:
            page.line("(no fields)")
        for k, nested in enumerate(message.nested_type):
            self.message(page, f, comments, nested, path + (MESSAGE_NESTED, k), f"{name}.{nested.name}")
        for k, enum in enumerate(message.enum_type):
            self.enum(page, comments, enum, path + (MESSAGE_ENUM, k), f"{name}.{enum.name}")

    def enum(self, page, comments, enum, path, name):
        page.line()
        page.line(f"### {name}")
        page.line()
        text = paragraph(self.comment(comments, path))
        if text:
            page.line(text)
            page.line()
        page.line("| value | number | description |")
        page.line("|---|---|---|")
        for j, value in enumerate(enum.value):
            page.line(f"| `{value.name}` | {value.number} | {cell(self.comment(comments, path + (ENUM_VALUE, j)))} |")


def main(argv):
    pages = Reference(descriptor_set()).pages()
    if "--check" in argv:
        existing = {p.name for p in REFERENCE.glob("*.md")} if REFERENCE.is_dir() else set()
        stale = sorted(name for name, text in pages.items()
                       if not (REFERENCE / name).is_file() or (REFERENCE / name).read_text(encoding="utf-8") != text)
        extra = sorted(existing - set(pages))
        for name in stale:
            print(f"proto/reference/{name} is stale or missing")
        for name in extra:
            print(f"proto/reference/{name} belongs to no package any more")
        if stale or extra:
            print("regenerate with: proto/tools/api_reference.py")
            return 1
        print(f"proto/reference/ is current ({len(pages)} pages)")
        return 0
    REFERENCE.mkdir(exist_ok=True)
    for name in {p.name for p in REFERENCE.glob("*.md")} - set(pages):
        (REFERENCE / name).unlink()
    for name, text in pages.items():
        (REFERENCE / name).write_text(text, encoding="utf-8")
    print(f"wrote {len(pages)} pages to {REFERENCE}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
