#!/usr/bin/env python3
"""Turns a program's appsettings.json (the development defaults) into the one a package installs, in place.

edge:    the demonstration's devices, DALI lines and site (Dijon) go: a cabinet's own come from /etc/city-edge/edge.json.
central: Central:DataPath becomes /var/lib/city-central (the unit's StateDirectory).
Every other key is kept as the program ships it.
"""
import json
import sys


def main(program: str, path: str) -> None:
    with open(path, encoding="utf-8") as f:
        settings = json.load(f)
    if program == "edge":
        edge = settings["Edge"]
        for demo in ("Devices", "DaliLines", "Site"):
            edge.pop(demo, None)
    elif program == "central":
        settings["Central"]["DataPath"] = "/var/lib/city-central"
    else:
        sys.exit(f"package-defaults.py: unknown program '{program}' (edge, central)")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(settings, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: package-defaults.py edge|central APPSETTINGS_JSON")
    main(sys.argv[1], sys.argv[2])
