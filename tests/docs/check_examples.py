#!/usr/bin/env python3
"""Every ```cpp block of README.md, and every block under a "// Example (compiled by
tests/docs/documented_examples.cpp):" line in a public header, must appear verbatim
between a BEGIN/END pair of documented_examples.cpp — which the build compiles.
Usage: check_examples.py REPO_ROOT"""
import pathlib
import sys

MARK = "// Example (compiled by tests/docs/documented_examples.cpp):"


def readme_blocks(text):
    blocks, block = [], None
    for line in text.splitlines():
        if line.strip() == "```cpp":
            block = []
        elif line.strip() == "```" and block is not None:
            blocks.append(block)
            block = None
        elif block is not None:
            block.append(line.rstrip())
    return blocks


def header_blocks(text):
    blocks, lines = [], text.splitlines()
    for i, line in enumerate(lines):
        if line.strip() != MARK:
            continue
        block = []
        for follow in lines[i + 1:]:
            if follow.startswith("//   "):
                block.append(follow[5:].rstrip())
            elif follow.rstrip() == "//" and block:
                block.append("")
            else:
                break
        while block and not block[-1]:
            block.pop()
        blocks.append(block)
    return blocks


def compiled_blocks(text):
    blocks, block = {}, None
    for line in text.splitlines():
        if line.startswith("// BEGIN "):
            source, block = line[len("// BEGIN "):].strip(), []
        elif line.startswith("// END") and block is not None:
            blocks.setdefault(source, []).append(block)
            block = None
        elif block is not None:
            block.append(line.rstrip())
    return blocks


def main():
    root = pathlib.Path(sys.argv[1])
    compiled = compiled_blocks((root / "tests/docs/documented_examples.cpp").read_text())
    wanted = [("README.md", b) for b in readme_blocks((root / "README.md").read_text())]
    include = root / "runtime/include"
    for header in sorted(include.rglob("*.hpp")):
        name = str(header.relative_to(include))
        wanted += [(name, b) for b in header_blocks(header.read_text())]
    missing = [(source, block) for source, block in wanted if block not in compiled.get(source, [])]
    for source, block in missing:
        print(f"{source}: this example is not compiled (copy it, verbatim, between "
              f"'// BEGIN {source}' and '// END' in tests/docs/documented_examples.cpp):")
        print("\n".join("    " + line for line in block))
    print(f"{len(wanted) - len(missing)} of {len(wanted)} documented examples are compiled")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
