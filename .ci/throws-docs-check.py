#!/usr/bin/env python3
"""List public throwing Swift declarations whose doc comment lacks a `- Throws:` line.

Usage: throws-docs-check.py [--exclude GLOB ...] PATH [PATH ...]

Each PATH is a .swift file or a folder searched recursively for .swift files. A declaration
counts when it is a function, initialiser, subscript or computed property that throws
(`throws`, `throws(E)`, `rethrows`, or a `get throws` accessor) and is `public` or `open`,
either written on it or inherited as a direct member of a `public`/`open` extension or
protocol. Its doc comment is the run of `///` lines (or a `/** */` block) just above it,
skipping attribute lines. Exits 1 listing file:line of each one without `- Throws:`,
0 when there are none. `--exclude` takes an fnmatch pattern matched against the file name.
"""
import fnmatch
import os
import re
import sys

MODIFIERS = {
    "public", "open", "internal", "fileprivate", "private", "package", "static", "class",
    "final", "override", "mutating", "nonmutating", "convenience", "required", "dynamic",
    "nonisolated", "lazy", "weak", "unowned", "optional", "indirect", "consuming", "borrowing",
    "distributed", "isolated",
}
NON_PUBLIC = {"internal", "fileprivate", "private", "package"}
DECL_KEYWORDS = {"func", "init", "subscript", "var"}
TYPE_KEYWORDS = {"struct", "class", "enum", "actor", "extension", "protocol"}


def strip(src):
    """Blank out comments and string literal contents, keeping offsets and newlines."""
    out = list(src)
    n = len(src)
    i = 0

    def blank(a, b):
        for k in range(a, b):
            if out[k] != "\n":
                out[k] = " "

    def skip_string(i):
        # i points at the opening quote run (possibly preceded by # handled by caller).
        hashes = 0
        j = i
        while j < n and src[j] == "#":
            hashes += 1
            j += 1
        if src.startswith('"""', j):
            close = '"""' + "#" * hashes
            j += 3
        else:
            close = '"' + "#" * hashes
            j += 1
        escape = "\\" + "#" * hashes
        while j < n:
            if src.startswith(escape + "(", j):
                j += len(escape) + 1
                depth = 1
                while j < n and depth:
                    c = src[j]
                    if c == '"' or (c == "#" and re.match(r'#+"', src[j:j + 8])):
                        j = skip_string(j)
                        continue
                    if c == "(":
                        depth += 1
                    elif c == ")":
                        depth -= 1
                    j += 1
                continue
            if src.startswith(escape, j):
                j += len(escape) + 1
                continue
            if src.startswith(close, j):
                return j + len(close)
            j += 1
        return n

    while i < n:
        if src.startswith("//", i):
            j = src.find("\n", i)
            j = n if j < 0 else j
            blank(i, j)
            i = j
        elif src.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if src.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif src.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            blank(i, j)
            i = j
        elif src[i] == '"' or (src[i] == "#" and re.match(r'#+"', src[i:i + 8])):
            j = skip_string(i)
            blank(i, j)
            i = j
        else:
            i += 1
    return "".join(out)


TOKEN = re.compile(r"@?[A-Za-z_][A-Za-z0-9_]*|->|\S")


def tokenize(text):
    return [(m.group(), m.start()) for m in TOKEN.finditer(text)]


def line_of(text, pos):
    return text.count("\n", 0, pos) + 1


def match_close(toks, i, open_, close):
    depth = 0
    for k in range(i, len(toks)):
        if toks[k][0] == open_:
            depth += 1
        elif toks[k][0] == close:
            depth -= 1
            if depth == 0:
                return k
    return len(toks) - 1


def decl_start(toks, k):
    """Index of the first attribute/modifier token of the declaration whose keyword is at k."""
    i = k - 1
    start = k
    while i >= 0:
        t = toks[i][0]
        if t in MODIFIERS:
            start = i
            i -= 1
        elif t == ")" :
            # `private(set)` or `@available(...)`
            depth, j = 0, i
            while j >= 0:
                if toks[j][0] == ")":
                    depth += 1
                elif toks[j][0] == "(":
                    depth -= 1
                    if depth == 0:
                        break
                j -= 1
            if j > 0 and (toks[j - 1][0] in MODIFIERS or toks[j - 1][0].startswith("@")):
                start = j - 1
                i = j - 2
            else:
                break
        elif t.startswith("@"):
            start = i
            i -= 1
        else:
            break
    return start


def modifiers(toks, start, k):
    return {t for t, _ in toks[start:k] if t in MODIFIERS}


def effects_throw(toks, j):
    """True when the effect specifiers starting at token j include throws/rethrows."""
    while j < len(toks):
        t = toks[j][0]
        if t in ("throws", "rethrows"):
            return True
        if t == "async":
            j += 1
            continue
        return False
    return False


def doc_block(lines, decl_line):
    """Text of the doc comment above 1-based decl_line (skipping attribute-only lines)."""
    i = decl_line - 2
    while i >= 0 and lines[i].strip().startswith("@"):
        i -= 1
    if i >= 0 and lines[i].strip().endswith("*/"):
        block = []
        while i >= 0:
            block.append(lines[i])
            if lines[i].strip().startswith("/**"):
                return "\n".join(reversed(block))
            if lines[i].strip().startswith("/*"):
                return ""
            i -= 1
        return ""
    block = []
    while i >= 0 and lines[i].strip().startswith("///"):
        block.append(lines[i])
        i -= 1
    return "\n".join(reversed(block))


def check_file(path):
    with open(path, encoding="utf-8") as f:
        src = f.read()
    text = strip(src)
    lines = src.split("\n")
    toks = tokenize(text)
    found = []  # (line, kind, name, documented)

    # Brace scopes: each entry is "public-members" for a public/open extension or protocol body,
    # else "other". Members there default to public unless marked otherwise.
    scopes = []
    pending_scope = None  # scope kind for the next "{"
    pending_at = -1
    for k, (t, pos) in enumerate(toks):
        if t in TYPE_KEYWORDS and (k + 1 < len(toks)) and re.match(r"[A-Za-z_]", toks[k + 1][0]):
            if t == "class" and toks[k + 1][0] in DECL_KEYWORDS | {"func", "var"}:
                pass  # `class func` / `class var` modifier
            else:
                start = decl_start(toks, k)
                mods = modifiers(toks, start, k)
                if t in ("extension", "protocol") and mods & {"public", "open"}:
                    pending_scope = "public-members"
                else:
                    pending_scope = "other"
                pending_at = k
        if t == "{":
            if pending_scope is not None and pending_at < k:
                scopes.append(pending_scope)
                pending_scope = None
            else:
                scopes.append("other")
            continue
        if t == "}":
            if scopes:
                scopes.pop()
            continue
        if t not in DECL_KEYWORDS:
            continue
        if t == "var" and k > 0 and toks[k - 1][0] in ("let", "var", "case", "("):
            continue
        start = decl_start(toks, k)
        mods = modifiers(toks, start, k)
        in_public_scope = bool(scopes) and scopes[-1] == "public-members"
        is_public = bool(mods & {"public", "open"}) or (in_public_scope and not (mods & NON_PUBLIC))
        throwing = False
        name = t
        if t in ("func", "init", "subscript"):
            j = k + 1
            if t == "func" and j < len(toks):
                name = toks[j][0]
                j += 1
                # operator names are runs of punctuation
                while j < len(toks) and toks[j][0] not in ("(", "<") and not re.match(r"[A-Za-z_@]", toks[j][0]):
                    name += toks[j][0]
                    j += 1
            while j < len(toks) and toks[j][0] in ("?", "!"):
                j += 1
            if j < len(toks) and toks[j][0] == "<":
                depth = 0
                while j < len(toks):
                    if toks[j][0] == "<":
                        depth += 1
                    elif toks[j][0] == ">":
                        depth -= 1
                        if depth == 0:
                            j += 1
                            break
                    j += 1
            if j < len(toks) and toks[j][0] == "(":
                close = match_close(toks, j, "(", ")")
                throwing = effects_throw(toks, close + 1)
                if t == "subscript" and not throwing:
                    throwing = accessor_throws(toks, close + 1)
        else:  # var: only computed properties with a throwing getter
            if k + 1 < len(toks):
                name = toks[k + 1][0]
            throwing = accessor_throws(toks, k + 1)
        if throwing and is_public:
            line = line_of(text, toks[start][1])
            documented = "- Throws:" in doc_block(lines, line)
            found.append((line, t, name, documented))
    return found


def accessor_throws(toks, j):
    """For a var/subscript starting at token j: does its accessor block hold `get throws`?"""
    depth = 0
    while j < len(toks):
        t = toks[j][0]
        if t in ("(", "[", "<"):
            depth += 1
        elif t in (")", "]", ">"):
            depth -= 1
        elif t == "=" and depth == 0:
            return False  # stored property with an initial value
        elif t == "{" and depth == 0:
            close = match_close(toks, j, "{", "}")
            for m in range(j + 1, close):
                if toks[m][0] == "get" and effects_throw(toks, m + 1):
                    return True
            return False
        elif t in DECL_KEYWORDS or t in TYPE_KEYWORDS or t == "}" or t == "let":
            return False
        j += 1
    return False


def swift_files(paths, excludes):
    for p in paths:
        if os.path.isfile(p):
            cands = [p]
        else:
            cands = []
            for root, _, files in os.walk(p):
                cands += [os.path.join(root, f) for f in files]
        for f in sorted(cands):
            if f.endswith(".swift") and not any(fnmatch.fnmatch(os.path.basename(f), e) for e in excludes):
                yield f


def main(argv):
    excludes, paths, verbose = [], [], False
    it = iter(argv)
    for a in it:
        if a == "--exclude":
            excludes.append(next(it))
        elif a in ("-v", "--verbose"):
            verbose = True
        elif a in ("-h", "--help"):
            print(__doc__)
            return 0
        else:
            paths.append(a)
    if not paths:
        print(__doc__, file=sys.stderr)
        return 2
    missing = 0
    total = 0
    for path in swift_files(paths, excludes):
        for line, kind, name, documented in check_file(path):
            total += 1
            if verbose:
                print(f"{path}:{line}: {kind} {name} {'ok' if documented else 'MISSING - Throws:'}")
            elif not documented:
                print(f"{path}:{line}: public throwing {kind} {name} has no '- Throws:' in its doc comment")
            missing += not documented
    print(f"{total} public throwing declaration(s), {missing} without '- Throws:'", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
