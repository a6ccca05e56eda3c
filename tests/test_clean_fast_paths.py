"""The cleaner's shortcuts give exactly what the plain definitions give, and the compiled build agrees with pure Python."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import datetime

import pytest

from conftest import REPO, SEEDS
from detente import native
from detente.clean import OffsetError, check_offsets, clean_text, count_words, parse_dateline
from detente.rules import ALL_RULES, IGNORECASE_FOLDS_BEYOND_LOWER, match_line, publisher_names

SEED_TEXTS = [path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt"))]
SEED_LINES = sorted({line.strip() for text in SEED_TEXTS for line in text.split("\n") if line.strip()})

# Lines made to reach each rule's branches and the shortcuts' edges (case, Unicode folds, spacing).
CRAFTED_LINES = [
    "PHOTO: Reuters", "Photo credit: Jane Doe", "A photo of the talks without a colon", "Photo credit = none", "File photo: AFP", "picture:  x", "<img alt=\"\">", "An image of the talks",
    "© 2023 Example", "(C) 2023 Example", "COPYRIGHT 2023", "All Rights Reserved.", "Any use of materials is allowed with a link",
    "This article was published by Example", "SOURCES: AFP", "Source:AFP", "\u017fource: AFP", "\u0130MAGE: AFP", "\u0131mage: AFP",
    "\u212aelvin sign: K", "Share this story on X", "share it on Facebook", "Follow us on Telegram", "share-button",
    "5 min read", "Views: 1,204", "12 comments", "03:15", "Advertisement", "LinkedIn", "Menu", "A+", "dark_theme", "ru",
    "TOP STORIES", "By Jane Doe", "Reporting by John Smith; editing by Ann Lee", "12 March 2024 09:30", "March 12, 2024",
    "Updated: 2 hours ago", "Related stories", "More from Example News", "Get more with the app", "Subscribe now",
    "Journalist. Editor. Runner. Dad. Cook.", "AFP", "South China Morning Post",
    "The minister said the talks were frank and useful, and that both sides would meet again in the autumn.",
    "a\tb  c\u00a0d\u2009e", " leading and trailing ", "",
]

UGLY_WORD_LINES = ["", " ", "one", "two words", "a  b", "a\tb", "a\u00a0b", "a\u2009b", "a\u3000b", "a\x1cb", "a\x85b",
                   " lead", "trail ", "a b\n", "emoji 🙂 here", "naïve café au lait", "x" * 500 + " y"]


@pytest.mark.parametrize("text", UGLY_WORD_LINES + SEED_LINES)
def test_count_words_is_len_split(text):
    assert count_words(text) == len(text.split())


def _first_rule_without_shortcuts(stripped: str):
    if stripped.lower() in publisher_names():
        return "publisher-name"
    words = len(stripped.split())
    for rule in ALL_RULES:
        if (rule.max_words is None or words <= rule.max_words) and rule.pattern.search(stripped):
            return rule.rule_id
    return None


@pytest.mark.parametrize("line", [line for line in CRAFTED_LINES + SEED_LINES if line.strip()])
def test_rule_shortcuts_never_change_the_match(line):
    stripped = line.strip()
    matched = match_line(stripped, count_words(stripped))
    assert (matched.rule_id if matched else None) == _first_rule_without_shortcuts(stripped)


def test_crafted_lines_reach_the_rules_with_shortcuts():
    fired = {match_line(line).rule_id for line in CRAFTED_LINES if line.strip() and match_line(line)}
    assert {rule.rule_id for rule in ALL_RULES if rule.needs} <= fired
    assert match_line("\u017fource: AFP").rule_id == "credit-origin"  # long s: IGNORECASE matches it to "s", lower() does not
    assert match_line("\u0130MAGE: AFP").rule_id == "caption-photo"


def test_unicode_folds_beyond_lower_are_exactly_the_listed_characters():
    """Characters IGNORECASE matches to an ASCII letter although str.lower() does not turn them into that letter."""
    letter = re.compile("[a-z]", re.IGNORECASE)
    ascii_letters = set("abcdefghijklmnopqrstuvwxyz")
    found = {
        chr(code)
        for code in range(128, sys.maxunicode + 1)
        if not 0xD800 <= code <= 0xDFFF and letter.fullmatch(chr(code)) and chr(code).lower() not in ascii_letters
    }
    assert found == set(IGNORECASE_FOLDS_BEYOND_LOWER)
    assert all(not any(char.isalpha() and not char.isascii() for char in needed) or needed == "©" for rule in ALL_RULES for needed in rule.needs)
    assert all(needed == needed.lower() for rule in ALL_RULES for needed in rule.needs)
    # needs_char is checked on the line as it is: only characters that IGNORECASE matches to themselves alone
    uncased = [char for rule in ALL_RULES for char in rule.needs_char]
    assert uncased and all(char.lower() == char.upper() == char and not char.isalpha() for char in uncased)


def _strptime_dateline(text: str):
    for fmt in ("%d %B %Y %H:%M", "%d %B %Y", "%B %d, %Y %H:%M", "%B %d, %Y"):
        try:
            parsed = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return parsed.date().isoformat(), (parsed.strftime("%H:%M") if "%H" in fmt else None)
    return None, None


@pytest.mark.parametrize(
    "text",
    ["06 June 2023 14:01", "6 June 2023", "June 6, 2023", "June 6, 2023 09:05", "31 February 2023", "29 February 2024",
     "29 February 2023 10:00", "06 June 2023 24:00", "06 June 2023 23:60", "06 june 2023", "06  June 2023", "06 June 2023 4:01",
     "0 June 2023", "June 31, 2023", "June 30, 2023 7:5", "1 January 0000", " 06 June 2023", "06 June 2023 14:01 ", "Tuesday"],
)
def test_dateline_fast_path_agrees_with_strptime(text):
    assert parse_dateline(text) == _strptime_dateline(text)


def test_offsets_of_crlf_tabs_and_bullets():
    raw = "Officials hold talks on trade in the capital city\r\n\t• A standfirst bullet that sums up the story\r\n* * *\r\n  The officials met on Monday and discussed trade at length in the capital city.\r\n"
    doc = clean_text(raw)
    for seg in doc.segments:
        assert raw[seg.raw_start : seg.raw_start + seg.length] == doc.text[seg.start : seg.start + seg.length]
    assert doc.text.splitlines() == [
        "Officials hold talks on trade in the capital city",
        "A standfirst bullet that sums up the story",
        "* *",  # a bullet line: the marker goes, the rest is text
        "The officials met on Monday and discussed trade at length in the capital city.",
    ]
    assert doc.segments[1].raw_start == raw.index("A standfirst")
    assert doc.segments[2].raw_start == raw.index("* * *") + 2  # after the marker, not the first "* *" in the line


def test_check_offsets_names_the_bad_segment():
    raw = SEED_TEXTS[0]
    doc = clean_text(raw)
    first = doc.segments[0]
    doc.segments[0] = first._replace(raw_start=first.raw_start + 1)
    with pytest.raises(OffsetError, match=rf"<seed>: segment for line {first.line} does not reproduce the raw text"):
        check_offsets(raw, doc, "<seed>")
    doc.segments[0] = first
    doc.segments[1] = doc.segments[1]._replace(start=doc.segments[1].start + 1)
    with pytest.raises(OffsetError, match="does not reproduce|map to no raw offset"):
        check_offsets(raw, doc, "<seed>")


# --- the compiled build --------------------------------------------------------------------------------------

def test_stale_compiled_module_is_refused(tmp_path):
    for name in native.COMPILED_MODULES:
        (tmp_path / f"{name}.py").write_text(f"# {name}\n", encoding="utf-8")
    native.check_native_modules(tmp_path)  # nothing compiled: nothing to check
    extension = tmp_path / f"clean{native.EXTENSION_SUFFIXES[0]}"
    extension.write_bytes(b"")
    with pytest.raises(ImportError, match=r"the compiled clean\.py was built from an older source"):
        native.check_native_modules(tmp_path)
    (tmp_path / native.SOURCE_RECORD).write_text(json.dumps(native.source_digests(tmp_path)), encoding="utf-8")
    native.check_native_modules(tmp_path)
    (tmp_path / "clean.py").write_text("# edited\n", encoding="utf-8")
    with pytest.raises(ImportError, match=r"Rebuild it with `make env`"):
        native.check_native_modules(tmp_path)


def _variants(texts: list[str]) -> list[str]:
    """The seeds, and the seeds made ugly: CRLF, indentation, bullets, cut short, lines reversed."""
    out = list(texts)
    for text in texts:
        lines = text.split("\n")
        out += [text.replace("\n", "\r\n"), "\n".join("  " + line + "\t" for line in lines), "\n".join("• " + line if k % 3 == 0 else line for k, line in enumerate(lines)),
                "\n".join(lines[: len(lines) // 2]), "\n".join(reversed(lines))]
    return out + CRAFTED_LINES


def _summary(doc) -> list:
    return [doc.text, doc.title, doc.categories, doc.rules, doc.label_sources, [list(seg) for seg in doc.segments], doc.page_metadata]


def test_compiled_and_pure_python_cleaners_agree(tmp_path):
    texts = _variants(SEED_TEXTS)
    (tmp_path / "texts.json").write_text(json.dumps(texts), encoding="utf-8")
    pure_scripts = native.pure_python_copy(tmp_path / "pure")
    program = (
        "import json, sys\n"
        "import detente.clean as clean\n"
        "from detente.native import is_compiled\n"
        "assert not is_compiled(), clean.__file__\n"
        "texts = json.load(open(sys.argv[1], encoding='utf-8'))\n"
        "out = []\n"
        "for t in texts:\n"
        "    d = clean.clean_text(t)\n"
        "    out.append([d.text, d.title, d.categories, d.rules, d.label_sources, [list(s) for s in d.segments], d.page_metadata])\n"
        "print(json.dumps(out))\n"
    )
    run = subprocess.run([sys.executable, "-c", program, str(tmp_path / "texts.json")], capture_output=True, text=True,
                         env={"PYTHONPATH": str(pure_scripts), "PATH": "/usr/bin:/bin"}, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == [json.loads(json.dumps(_summary(clean_text(t)))) for t in texts]
