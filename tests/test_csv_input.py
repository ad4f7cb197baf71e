import string

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from influx.cli import cli
from influx.ingest.csv_input import InputError, parse_score, read_rows


def write(tmp_path, text, name="in.csv", encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return p


def test_google_sheets_export_with_bom_and_spaced_header(tmp_path):
    p = write(tmp_path, "\ufeffVideo URL,Performance,Campaign\nhttp://a/1,1.5,summer\nhttp://a/2,2,fall\n")
    rows = read_rows(p)
    assert [(r.row_index, r.url, r.performance) for r in rows] == [
        (0, "http://a/1", 1.5),
        (1, "http://a/2", 2.0),
    ]
    assert rows[0].extra == {"Campaign": "summer"}


def test_excel_unicode_text_export_in_utf16(tmp_path):
    p = tmp_path / "in.csv"
    p.write_bytes("Video URL\tPerformance\nhttp://a/ü\t1,5\n".encode("utf-16"))  # with its BOM
    assert [(r.url, r.performance) for r in read_rows(p)] == [("http://a/ü", 1.5)]


@pytest.mark.parametrize("header", ["Video_URL,Performance", "url,score", "VIDEO,performance", "video url,Score"])
def test_column_aliases(tmp_path, header):
    rows = read_rows(write(tmp_path, f"{header}\nhttp://a/1,3\n"))
    assert rows[0].url == "http://a/1" and rows[0].performance == 3.0


@pytest.mark.parametrize("sep", [";", "\t"])
def test_other_delimiters_and_decimal_comma(tmp_path, sep):
    rows = read_rows(write(tmp_path, f"Performance{sep}Video_URL\n1,5{sep}http://a/1\n2{sep}http://a/2\n"))
    assert [r.performance for r in rows] == [1.5, 2.0]


@pytest.mark.parametrize("sep", [";", "\t", "|"])
def test_1_500_is_not_guessed_in_a_file_delimited_as_decimal_comma_locales_write_them(tmp_path, sep):
    """Excel in a decimal-comma locale writes `;`-delimited CSV, where 1.500 is 1500 as often as 1.5:
    with no cell saying which, it was read as 1.5. A cell that says which still settles it."""
    rows = read_rows(write(tmp_path, f"Performance{sep}Video_URL\n1.500{sep}http://a/1\n2{sep}http://a/2\n"))
    assert [r.performance for r in rows] == [None, 2.0] and "ambiguous" in rows[0].error
    rows = read_rows(write(tmp_path, f"Performance{sep}Video_URL\n1.500{sep}http://a/1\n0,5{sep}http://a/2\n"))
    assert [r.performance for r in rows] == [1500.0, 0.5]
    rows = read_rows(write(tmp_path, "Performance,Video_URL\n1.500,http://a/1\n2,http://a/2\n"))
    assert [r.performance for r in rows] == [1.5, 2.0]  # a comma-delimited file: the CSV's own format


@pytest.mark.parametrize(
    "text",
    [
        "Video URL,Notes,Performance\nhttp://a/1,budget 1,200,4.5\nhttp://a/2,fine,3\nhttp://a/3,x,2\n",  # a note's comma
        "Video URL,Performance,Notes\nhttp://a/1,1,500,x\nhttp://a/2,3,\nhttp://a/3,2,x\n",  # a decimal comma
        "Video URL,Performance,Notes\nhttp://a/1,1,500,\nhttp://a/2,3,\nhttp://a/3,2,x\n",  # into an empty note
        "Video URL,Budget,Performance,Notes\nhttp://a/1,1,200,4.5,\nhttp://a/2,9,3,\nhttp://a/3,8,2,ok\n",  # the same
        # every line ends with a comma (a writer's habit), one has a comma of its own
        "Video URL,Performance\nhttp://a/1,1,500,\nhttp://a/2,3,\nhttp://a/3,2,\n" + "http://a/4,1,\n" * 20,
        # half the rows with an unquoted 1,200 moved into an empty last column: not a writer's habit
        "Video URL,Budget,Performance,Notes\nhttp://a/1,1,200,3.5,\nhttp://a/2,9,3,\nhttp://a/3,8,2,ok\n"
        "http://a/4,2,500,1.25,\n",
    ],
)
def test_a_row_with_more_cells_than_the_header_has_no_score(tmp_path, text):
    """An unquoted comma moves every cell after it one column on: the note's 200, or the 1 of 1,500,
    was read as the score, even when the cells moved into an empty last column."""
    rows = read_rows(write(tmp_path, text))
    assert [r.performance for r in rows[:3]] == [None, 3.0, 2.0]
    assert all(r.performance is None for r in rows[3:] if "2,500" in text)
    assert "where the header has" in rows[0].error and rows[1].error is None and rows[2].error is None
    assert rows[0].url == "http://a/1"


@pytest.mark.parametrize(
    "cells, want",
    [
        (["1,5", "2.5", "1,500"], [1.5, 2.5, None]),  # as many decimal commas as points: 1,500 is not guessed
        (["1.500", "1,250", "2"], [None, None, 2.0]),  # one of the two is a thousands separator: not guessed
    ],
)
def test_a_column_that_contradicts_itself_guesses_nothing(tmp_path, cells, want):
    text = "Performance,Video_URL\n" + "".join(f'"{c}",http://a/{i}\n' for i, c in enumerate(cells))
    rows = read_rows(write(tmp_path, text))
    assert [r.performance for r in rows] == want
    assert all("ambiguous" in r.error for r in rows if r.performance is None)


@pytest.mark.parametrize(
    "header, cells, url",
    [  # a Video URL column wins even with cells still to come (TBD) beside a Link column of links
        ("Creator,Link,Video URL,Performance", ["ann,https://shop/p1,https://tiktok.com/@a/1,2.5",
                                                 "bob,https://shop/p2,TBD,3", "cat,https://shop/p3,https://tiktok.com/@c/3,4",
                                                 "dan,https://shop/p4,https://tiktok.com/@d/4,1"], "https://tiktok.com/@a/1"),
        ("Video URL,Link,Performance", ["https://tiktok.com/@a/1,https://shop/p1,2.5", "TBD,https://shop/p2,3"]
         + ["TBD,https://shop/p,1"] * 10, "https://tiktok.com/@a/1"),
        ("Video URL,Link,Performance", ["TBD,https://shop/p1,2.5", "TBD,https://shop/p2,3"], "TBD"),  # all to come
    ],
)  # fmt: skip
def test_the_first_named_url_column_wins_when_it_holds_links(tmp_path, header, cells, url):
    rows = read_rows(write(tmp_path, header + "\n" + "\n".join(cells) + "\n"))
    assert rows[0].url == url and rows[1].url == "TBD"


@pytest.mark.parametrize(
    "header, cells, url",
    [
        ("Link,Score,Video", "http://a/1,5,My summer ad", "http://a/1"),  # Video holds titles
        ("Video,Video Link,Performance", "My summer ad,http://a/1,5", "http://a/1"),
        ("Video URL,Performance,Video", "http://a/1,5,My summer ad", "http://a/1"),
    ],
)
def test_of_two_url_columns_the_one_holding_links_is_read(tmp_path, header, cells, url):
    rows = read_rows(write(tmp_path, f"{header}\n{cells}\n"))
    assert rows[0].url == url and rows[0].performance == 5.0


@pytest.mark.parametrize("header", ["Video URL,Performance,Performance", "Video URL,Performance,performance ",
                                    "Video URL,Performance,Video URL"])  # fmt: skip
def test_two_columns_of_one_name_are_refused(tmp_path, header):
    with pytest.raises(InputError, match="two columns"):
        read_rows(write(tmp_path, f"{header}\nhttp://a/1,5,6\n"))


def test_two_columns_of_a_name_influx_does_not_read_are_kept(tmp_path):
    rows = read_rows(write(tmp_path, "Video URL,Link,Link,Performance,Score,Score\nhttp://a/1,x,y,5,6,7\n"))
    assert (rows[0].url, rows[0].performance) == ("http://a/1", 5.0)


def test_a_utf8_file_with_one_stray_byte_keeps_its_letters(tmp_path):
    """One byte that is not UTF-8 (a note pasted from a cp1252 file) made the whole file cp1252:
    http://a/vidéo became http://a/vidÃ©o, a URL the sheet never held, and was fetched."""
    raw = (b"Video URL,Performance,Notes\nhttp://a/vid\xc3\xa9o,1,caf\xc3\xa9 cr\xc3\xa8me\nhttp://a/2,2,caf\xe9\n"
           b"http://a/\xe9,3,x\n")  # fmt: skip
    rows = read_rows(write(tmp_path, raw))  # UTF-8 but for the two cp1252 bytes \xe9 of rows 1 and 2
    assert [r.url for r in rows] == ["http://a/vidéo", "http://a/2", None]
    assert rows[0].extra == {"Notes": "café crème"} and [r.performance for r in rows] == [1.0, 2.0, 3.0]
    assert "not UTF-8" in rows[2].error
    assert read_rows(write(tmp_path, "Video URL,Performance\nhttp://a/vidéo,1\n".encode("cp1252")))[0].url == (
        "http://a/vidéo")  # fmt: skip
    # a short cp1252 file holding one pair of bytes that reads as UTF-8 (É” is C9 94) stays cp1252
    cp1252 = "Video URL,Creator,Performance\r\nC:\\José\\clip1.mp4,“CAFÉ” team,2.5\r\nC:\\José\\clip2.mp4,Zoé,3.5\r\n"
    rows = read_rows(write(tmp_path, cp1252.encode("cp1252")))
    assert [r.url for r in rows] == ["C:\\José\\clip1.mp4", "C:\\José\\clip2.mp4"] and rows[0].extra[
        "Creator"
    ] == "“CAFÉ” team"


def test_bad_cells_become_row_errors_not_dropped_rows(tmp_path):
    text = 'Performance,Video_URL\nNaN,http://a/1\n,http://a/2\nabc,http://a/3\n-3,"http://a/4?x=1,2"\n1e308,http://a/5\n2,\n'
    rows = read_rows(write(tmp_path, text))
    assert len(rows) == 6
    assert [r.performance for r in rows] == [None, None, None, -3.0, None, 2.0]
    assert "not a finite number" in rows[0].error
    assert "empty performance" in rows[1].error
    assert "not a number" in rows[2].error
    assert rows[3].url == "http://a/4?x=1,2" and rows[3].error is None
    assert "out of range" in rows[4].error
    assert rows[5].url is None and "empty video URL" in rows[5].error


def test_blank_lines_are_skipped_and_duplicates_kept(tmp_path):
    rows = read_rows(write(tmp_path, "Performance,Video_URL\n\n1,http://a\n\n1,http://a\n"))
    assert [r.row_index for r in rows] == [0, 1]


@pytest.mark.parametrize(
    "content, message",
    [
        ("", "empty"),
        ("Performance,Something\n1,2\n", "no video URL column"),
        ("Video_URL,Other\nhttp://a,2\n", "no performance column"),
        ("Performance,Video_URL\n", "no rows"),
        (b"\x00\x01\x02\xff" * 50, "not a text CSV"),
        ("Video_URL,Performance\nhttp://a/" + "x" * 17_000_000 + ",1\n", "on line 2 is over 16,777,216 characters"),
        (b"\xff\xfeV\x00\x00\xd8", "not valid UTF-16"),
        ('Video URL,Performance\n"http://a/1" ,5\n', "on line 2 a quote closes a cell that goes on"),  # not unclosed
    ],
)
def test_unusable_files_raise_input_error(tmp_path, content, message):
    with pytest.raises(InputError, match=message) as e:
        read_rows(write(tmp_path, content))
    assert "in.csv" in str(e.value)


def test_a_long_cell_is_read_without_sniffing_all_of_it(tmp_path, monkeypatch):
    """csv.Sniffer takes seconds over a multi-megabyte sample: it sees the first rows, at most
    SNIFF_CHARS, and the long cell is still read whole."""
    import csv

    from influx.ingest.csv_input import SNIFF_CHARS

    seen, sniff = [], csv.Sniffer.sniff
    monkeypatch.setattr(csv.Sniffer, "sniff", lambda self, sample, *a, **k: seen.append(len(sample)) or sniff(self, sample, *a, **k))  # fmt: skip
    notes = "n" * 3_000_000
    rows = read_rows(write(tmp_path, f"Video URL;Performance;Notes\nhttp://a/1;1,5;{notes}\nhttp://a/2;2;x\n"))
    assert seen and max(seen) <= SNIFF_CHARS
    assert [(r.url, r.performance) for r in rows] == [("http://a/1", 1.5), ("http://a/2", 2.0)]
    assert rows[0].extra == {"Notes": notes}


def test_cli_exits_2_naming_file_and_writes_nothing(tmp_path):
    p = write(tmp_path, "Performance,Other\n1,2\n")
    db = tmp_path / "x.duckdb"
    result = CliRunner().invoke(cli, ["ingest", str(p), "--db", str(db)])
    assert result.exit_code == 2
    assert "no video URL column" in result.output and "in.csv" in result.output
    assert not db.exists()


def test_cli_missing_file_exits_2(tmp_path):
    result = CliRunner().invoke(cli, ["ingest", str(tmp_path / "nope.csv"), "--db", str(tmp_path / "x.duckdb")])
    assert result.exit_code == 2 and "nope.csv" in result.output


def test_parse_score():
    assert parse_score(" 2.5 ") == (2.5, None)
    assert parse_score("1,25")[0] == 1.25
    assert parse_score("inf")[0] is None


@pytest.mark.parametrize(
    "cell, value",
    [("1,234.5", 1234.5), ("1.234,5", 1234.5), ("1,234,567", 1234567), ("1.234.567", 1234567),
     ("1 234", 1234), ("1\u00a0234,5", 1234.5), ("$12.50", 12.5), ("€ 3,5", 3.5), ("3.5%", 3.5),
     ("-2.5%", -2.5), ("(12.5)", -12.5), (",5", 0.5), ("1e3", 1000), ("+7", 7), ("1'234", 1234),
     ("1\u2019234.5", 1234.5), ("1 234 567,89", 1234567.89), ("1\u202f234", 1234), ("5 €", 5), ("-$5", -5),
     ("($5)", -5), ("- 5", -5)],
)  # fmt: skip
def test_spreadsheet_formatting_is_undone(cell, value):
    assert parse_score(cell) == (value, None)


@pytest.mark.parametrize("cell", ["12 apples", "1,2,3", "1.2.3,4.5", "--1", "%", "$", "()", "n/a", "1,23,4", "1_5",
                                  "1_000", "0x10", "1e_3",
                                  # a space or apostrophe only between groups of three digits (1 5 was 15)
                                  "1 5", "1'5", "12'34", "1 23", "1 2 3", "1 234 5", "1.5 5", "$1$5", "1€5"])  # fmt: skip
def test_what_is_not_a_number_stays_an_error(cell):
    got, reason = parse_score(cell)
    assert got is None and repr(cell) in reason


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=400) | st.text(alphabet=string.printable + "é;\t\ufeff\"'", max_size=400))
def test_loader_never_crashes(tmp_path, content):
    p = write(tmp_path, content)
    try:
        rows = read_rows(p)
    except InputError as e:
        assert str(p) in str(e)
        return
    for r in rows:
        assert r.url is not None or r.error


# cells full of what confuses a CSV reader: delimiters, quotes, line breaks, a BOM, any character
CELL = st.text(alphabet=st.sampled_from(list(",;\t|\"' \n\r\ufeff.5a")) | st.characters(exclude_categories=("Cs",)),
               max_size=20)  # fmt: skip


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(CELL, CELL), min_size=1, max_size=10))
@example(cells=[("'", "';"), ('"', "")])  # the sniffer guessed ';', which read a closed quote as open
@example(cells=[("0\n0", "")])  # a newline inside a quoted score
def test_every_row_kept_in_order(tmp_path, cells):
    """Every row with a cell that is not blank comes back once, in order, with its own URL, and a
    score or the reason it has none; blank rows are left out, and a file of only blank rows (or
    with a NUL byte) is refused as a whole."""
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["Performance", "Video_URL"])
    w.writerows(cells)
    p = write(tmp_path, buf.getvalue())
    kept = [(score, url) for score, url in cells if score.strip() or url.strip()]
    if any("\x00" in score + url for score, url in cells):
        with pytest.raises(InputError, match="NUL bytes"):
            read_rows(p)
        return
    if not kept:
        with pytest.raises(InputError, match="a header but no rows"):
            read_rows(p)
        return
    rows = read_rows(p)
    assert [r.row_index for r in rows] == list(range(len(kept))), "one row per row with a cell that is not blank"
    assert [r.url for r in rows] == [url.strip() or None for _, url in kept], "each row's own URL, in order"
    for r in rows:
        assert (r.performance is None) == ("performance" in (r.error or "")), (r.performance, r.error)


def test_an_unclosed_quote_is_named_whichever_delimiter_reads_the_rest(tmp_path):
    """`,` meets the broken quote and `;` reads the file as one column: the quote is the error."""
    p = write(tmp_path, 'video_url,performance\nhttp://a/1,"1.5\nhttp://a/2,2\n')
    with pytest.raises(InputError, match="line 2 is never closed"):
        read_rows(p)
