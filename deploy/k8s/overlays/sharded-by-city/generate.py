#!/usr/bin/python3
"""Makes the sharded-by-city overlay from its one list of shards, shards.csv (shard,city_code,
city_name): adding a city shard is one line there, then this script.

    deploy/k8s/overlays/sharded-by-city/generate.py           write the files below
    deploy/k8s/overlays/sharded-by-city/generate.py --check   exit 1 when they are not what
                                                              shards.csv gives (ctest
                                                              sharded_overlay_current)

From shards.csv it writes:
  - shards/<shard>/kustomization.yaml: the shard's Service, workload and volume
    registration-<shard>, with UE_SHARD_ID and UE_SERVED_REGIONS (made from the first listed
    shard's file with that shard's name, code and city name replaced, so a change of form made to
    the shard files is kept);
  - routing-by-city.csv: the city's 4-digit prefix to its shard; province-level offices and
    anything else to "hlj", the base shard;
  - in kustomization.yaml: the list of shard folders under `resources`, UE_REGISTRATION_SHARDS (the
    person index, tiering, follow-up and statistics read every shard's feed) and the gateway's
    UE_SHARDS.
Each shard's certificate names its Service registration-<shard> (`names` prints them, one a line,
for the scripts that issue per-shard certificates).
"""

import csv
import pathlib
import re
import sys

HERE = pathlib.Path(__file__).resolve().parent
BASE_SHARD = "hlj"
PORT = 50052


def read_shards():
    shards = []
    with open(HERE / "shards.csv", encoding="utf-8") as f:
        rows = [r for r in csv.reader(f) if r and not r[0].startswith("#")]
    if rows[0] != ["shard", "city_code", "city_name"]:
        sys.exit("shards.csv: the header must be shard,city_code,city_name")
    seen = set()
    for number, (shard, code, name) in enumerate(rows[1:], start=2):
        if not re.fullmatch(r"[a-z][a-z0-9-]{0,31}", shard) or shard == BASE_SHARD:
            sys.exit(f"shards.csv:{number}: bad shard name {shard!r}")
        if not re.fullmatch(r"23\d\d00", code):
            sys.exit(f"shards.csv:{number}: {code!r} is not a city code of the province (23xx00)")
        if shard in seen or code in {c for _, c, _ in shards}:
            sys.exit(f"shards.csv:{number}: {shard} or {code} listed twice")
        seen.add(shard)
        shards.append((shard, code, name))
    return shards


def shard_file(template, template_shard, shard):
    (t_name, t_code, t_city), (name, code, city) = template_shard, shard
    text = template.replace(t_city, city).replace(t_code, code)
    return re.sub(rf"\b{re.escape(t_name)}\b", name, text)


def routing(shards):
    lines = ["region_prefix,shard_name",
             "# Each city (prefecture) of Heilongjiang has its own registration shard; province-level offices and",
             f"# anything unmatched stay on \"{BASE_SHARD}\" (the base shard). Made by generate.py from shards.csv."]
    lines += [f"{code[:4]},{name}" for name, code, _ in sorted(shards, key=lambda s: s[1])]
    lines += [f"23,{BASE_SHARD}", f"*,{BASE_SHARD}"]
    return "\n".join(lines) + "\n"


def addresses(shards):
    return ",".join([f"{BASE_SHARD}=registration:{PORT}"] +
                    [f"{name}=registration-{name}:{PORT}" for name, _, _ in shards])


def kustomization(text, shards):
    resources = "".join(f"  - shards/{name}\n" for name, _, _ in shards)
    text, n = re.subn(r"(  - \.\./\.\./base\n)(?:  - shards/[^\n]+\n)*", lambda m: m.group(1) + resources,
                      text, count=1)
    if n != 1:
        sys.exit("kustomization.yaml: no `- ../../base` resource to list the shards after")
    text, n = re.subn(r"UE_REGISTRATION_SHARDS=[^\n]*", "UE_REGISTRATION_SHARDS=" + addresses(shards), text)
    if n != 1:
        sys.exit("kustomization.yaml: no UE_REGISTRATION_SHARDS literal")
    text, n = re.subn(r'(name: UE_SHARDS\n\s*value: )"[^"\n]*"', lambda m: m.group(1) + f'"{addresses(shards)}"',
                      text)
    if n != 1:
        sys.exit("kustomization.yaml: no gateway UE_SHARDS value")
    return text


def expected():
    shards = read_shards()
    template_shard = shards[0]
    template = (HERE / "shards" / template_shard[0] / "kustomization.yaml").read_text(encoding="utf-8")
    files = {HERE / "routing-by-city.csv": routing(shards),
             HERE / "kustomization.yaml": kustomization(
                 (HERE / "kustomization.yaml").read_text(encoding="utf-8"), shards)}
    for shard in shards:
        files[HERE / "shards" / shard[0] / "kustomization.yaml"] = shard_file(template, template_shard, shard)
    return shards, files


def main(argv):
    shards, files = expected()
    if argv[1:] == ["names"]:
        for name, _, _ in shards:
            print(f"registration-{name}")
        return 0
    check = argv[1:] == ["--check"]
    if argv[1:] not in ([], ["--check"]):
        sys.exit(__doc__)
    listed = {f"shards/{name}" for name, _, _ in shards}
    stray = sorted(str(p.relative_to(HERE)) for p in (HERE / "shards").iterdir()
                   if p.is_dir() and str(p.relative_to(HERE)) not in listed)
    stale = [str(path.relative_to(HERE)) for path, text in files.items()
             if not path.exists() or path.read_text(encoding="utf-8") != text]
    if check:
        if stale or stray:
            print(f"not what shards.csv gives: {', '.join(stale + stray)} "
                  f"(run {pathlib.Path(argv[0]).name})", file=sys.stderr)
            return 1
        print(f"sharded-by-city is current ({len(shards)} city shards)")
        return 0
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    if stray:
        print(f"folders of shards no longer listed (remove them by hand after moving their data): "
              f"{', '.join(stray)}", file=sys.stderr)
    print(f"wrote {len(files)} files for {len(shards)} city shards")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
