"""line_features.c: a line's own features in C give features.python_line_row's row and content words bit for bit;
a library that would differ is never put in place, a stale one is not used, and lines with characters it does not
know go to Python."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import needs_compiler
from detente.lines import compiled, features, native
from detente.lines.features import LINE_COLUMNS, LINE_WIDTH, native_line_row, native_line_rows_lists, python_line_row

REPO = Path(__file__).resolve().parents[2]
SHARED_DEV = REPO.parent / "shared" / "boilerplate" / "dev"


@pytest.fixture(scope="module")
def library(tmp_path_factory) -> compiled.NativeLineRows:
    out = tmp_path_factory.mktemp("line-features") / "line_features.so"
    assert native.compile_line_features(out) == native.PROBE_LINES
    rows = compiled.load_line_features(out, LINE_COLUMNS, LINE_WIDTH, native_line_rows_lists())
    assert rows is not None
    return rows


def _seed_lines() -> list[str]:
    return [line.strip() for path in sorted((REPO / "raw").glob("*.txt")) for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]


@needs_compiler
def test_the_seeds_lines_get_the_same_rows_and_words(library):
    lines = _seed_lines()
    assert len(lines) == 171 and sum(not line.isascii() for line in lines) == 49  # curly quotes, dashes, Cyrillic
    for line in lines:
        assert native_line_row(library, line) == python_line_row(line), line


# Text with every kind of whitespace, the characters the features look at, digits and colons for years and clock
# times, the speech verbs and letters of other alphabets; stripped like the cleaner's lines
_LINES = st.lists(
    st.one_of(
        st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x3100, exclude_categories=("Cs",)), min_size=1, max_size=12),
        st.sampled_from(["says", "SAID:", "wrote", "Writes", "replied", "1999", "2023", "7:45", "12:30", "123:45", "the",
                         "share", "read more", "http", "www.", "@", "'", '"', "(", ")", "...", "?", "!", "- ", "* ", " ",
                         "\t", "\x1c", "\xa0", "“", "”", "’", "…", "—", "•", "©", "Москва", "ΣΟΦΙΑ", "ſ", "²", "٣"]),
    ),
    min_size=1, max_size=30,
).map(lambda parts: "".join(parts).strip()).filter(bool)


@needs_compiler
@settings(max_examples=500, deadline=None)
@given(line=_LINES)
def test_any_stripped_line_gets_the_same_row_and_words_or_is_left_to_python(library, line):
    computed = native_line_row(library, line)
    known = all(native.character_flags(character)[0] & 1 for character in line) and ord(max(line)) < native.CHARACTER_TABLE_SIZE
    assert (computed is not None) == known
    if known:
        assert computed == python_line_row(line)


@needs_compiler
def test_lines_with_characters_the_c_does_not_know_go_to_python(library):
    for line in native.UNKNOWN_LINES:
        assert native_line_row(library, line) is None, line
        assert features._line_row(line) == python_line_row(line)
    assert library.row(" padded ", 0) is None  # not stripped: never asked, refused all the same
    assert native_line_row(library, "a\0b") == python_line_row("a\0b")  # NUL is a character like another


def test_the_character_table_follows_python():
    assert native.character_flags("É") == (1 | 2 | 4, ord("é")) and native.character_flags("’") == (1, ord("’"))
    assert native.character_flags("\xa0") == (1 | 8, 0xA0) and native.character_flags("7") == (1, ord("7"))
    for unknown in ("٣", "²", "Σ", "ſ", "ß", "İ", "\u212a"):
        assert native.character_flags(unknown)[0] & 1 == 0, unknown
    assert "detente_character_flags[12288]" in native.character_table()


@needs_compiler
def test_the_library_is_never_copied(library):
    with pytest.raises(TypeError, match="cannot be copied or pickled"):
        pickle.dumps(library)


@needs_compiler
def test_a_library_that_differs_from_python_is_never_put_in_place(tmp_path, monkeypatch):
    source = tmp_path / "line_features.c"  # a bug in the C: a stop word no longer counts
    source.write_text(compiled.LINE_FEATURES_SOURCE.read_text(encoding="utf-8").replace("stop += is_stop;", "stop += 0;"), encoding="utf-8")
    monkeypatch.setattr(native, "LINE_FEATURES_SOURCE", source)
    monkeypatch.setattr(compiled, "LINE_FEATURES_SOURCE", source)
    out = tmp_path / "out" / "line_features.so"
    out.parent.mkdir()
    with pytest.raises(native.CompileError, match="the compiled line features differ from features.py on the probe line .*; not installed"):
        native.compile_line_features(out)
    assert list(out.parent.iterdir()) == []


@needs_compiler
def test_a_stale_or_damaged_library_is_not_used(library, tmp_path, monkeypatch):
    built = tmp_path / "line_features.so"
    native.compile_line_features(built)
    lists = native_line_rows_lists()
    monkeypatch.setattr(compiled, "line_features_sha256", lambda: "0" * 64)  # features.py or the C edited since
    with pytest.warns(UserWarning, match="was built from another version of detente; line features are computed in Python"):
        assert compiled.load_line_features(built, LINE_COLUMNS, LINE_WIDTH, lists) is None
    monkeypatch.undo()
    with pytest.warns(UserWarning, match="was built from another version of detente"):  # a column renamed in features.py
        assert compiled.load_line_features(built, (*LINE_COLUMNS[:-1], "renamed"), LINE_WIDTH, lists) is None
    damaged = tmp_path / "damaged.so"
    damaged.write_bytes(b"not a library")
    with pytest.warns(UserWarning, match="not a line-features library"):
        assert compiled.load_line_features(damaged, LINE_COLUMNS, LINE_WIDTH, lists) is None
    assert compiled.load_line_features(tmp_path / "none.so", LINE_COLUMNS, LINE_WIDTH, lists) is None  # not built: Python, silently


def test_probe_lines_are_stripped_known_and_repeatable():
    lines = native.probe_lines(2000)
    assert len(lines) == 2000 and lines == native.probe_lines(2000)
    assert all(line and line == line.strip() and all(native.character_flags(c)[0] & 1 for c in line) for line in lines)
    assert {"7:45", "joetoronto says:", "1999"} <= set(lines)
    assert sum(not line.isascii() for line in lines) > 500 and any("\0" in line for line in lines)


def test_the_cleaner_uses_the_compiled_line_features_once_make_env_built_them():
    if not features.NATIVE_LINE_FEATURES.is_file():
        pytest.skip(f"{features.NATIVE_LINE_FEATURES} is not built (`make env` builds it with `detente compile-line-model`)")
    assert features.line_features_backend() == "C (Python for lines with other characters)"


@needs_compiler
@pytest.mark.skipif(not (SHARED_DEV / "raw").is_dir(), reason=f"{SHARED_DEV} is absent (a maintainers' folder): the line features are compared on the seeds and generated lines only")
def test_the_dev_pages_lines_get_the_same_rows_and_words(library):
    lines = {line.strip() for path in sorted((SHARED_DEV / "raw").glob("*.txt")) for line in path.read_text(encoding="utf-8").split("\n")}
    taken = 0
    for line in sorted(line for line in lines if line):
        computed = native_line_row(library, line)
        if computed is not None:
            taken += 1
            assert computed == python_line_row(line), line
    assert taken > 10900  # of 11,151 distinct non-blank lines
