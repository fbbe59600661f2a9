import pytest

import hybrid
from hybrid import TaskParseError, UnsupportedTaskError

NUMERAL = ("In Alice's Wonderland, numbers are secretly converted into a different numeral system. "
           "Some examples are given below:\n28 -> XXVIII\n26 -> XXVI\nNow, write the number 93 in the "
           "Wonderland numeral system.")
BITS = ("In Alice's Wonderland, a secret bit manipulation rule transforms 8-bit binary numbers. The "
        "transformation involves operations like bit shifts, rotations, XOR, AND, OR, NOT, and possibly "
        "majority or choice functions.\n\nHere are some examples of input -> output:\n01010001 -> 11011101\n"
        "00001001 -> 01101101\n\nNow, determine the output for: 00110100")
GRAVITY = ("In Alice's Wonderland, the gravitational constant has been secretly changed. Here are some "
           "example observations:\nFor t = 2.01s, distance = 30.18 m\nFor t = 1.5s, distance = 16.81 m\n"
           "Now, determine the falling distance for t = 3.77s given d = 0.5*g*t^2.")
UNIT = ("In Alice's Wonderland, a secret unit conversion is applied to measurements. For example:\n"
        "13.75 m becomes 26.61\n36.11 m becomes 69.88\nNow, convert the following measurement: 8.32 m")
CIPHER = ("In Alice's Wonderland, secret encryption rules are used on text. Here are some examples:\n"
          "ucoov pwgtfyoqg vorq yrjjoe -> queen discovers near valley\nNow, decrypt the following text: ucoov")
EQ_NUM = ("In Alice's Wonderland, a secret set of transformation rules is applied to equations. Below are "
          "a few examples:\n33-71 = 61\n38+52 = 901\nNow, determine the result for: 39*11")
EQ_GLYPH = ("In Alice's Wonderland, a secret set of transformation rules is applied to equations. Below are "
            "a few examples:\n??#(& = #]/\n]/#|/ = #}<\nNow, determine the result for: ]]`]%")


@pytest.mark.parametrize("prompt,family,query,first", [
    (NUMERAL, "numeral", "93", ("28", "XXVIII")),
    (BITS, "bit_manipulation", "00110100", ("01010001", "11011101")),
    (GRAVITY, "gravity", "3.77", ("2.01", "30.18")),
    (UNIT, "unit_conversion", "8.32", ("13.75", "26.61")),
    (CIPHER, "cipher", "ucoov", ("ucoov pwgtfyoqg vorq yrjjoe", "queen discovers near valley")),
    (EQ_NUM, "equation_numeric", "39*11", ("33-71", "61")),
    (EQ_GLYPH, "cryptarithm", "]]`]%", ("??#(&", "#]/")),
])
def test_each_template(prompt, family, query, first):
    t = hybrid.parse(prompt)
    assert t.family == family
    assert t.query == query
    assert (t.examples[0].source, t.examples[0].target) == first
    assert t.examples[0].line is not None
    # CRLF line endings and stray whitespace parse to the same task
    messy = "\r\n".join("  " + ln + "  " for ln in prompt.split("\n"))
    t2 = hybrid.parse(messy)
    assert (t2.family, t2.query, [(e.source, e.target) for e in t2.examples]) == \
        (t.family, t.query, [(e.source, e.target) for e in t.examples])


def test_unit_query_keeps_unit():
    assert hybrid.parse(UNIT).meta == {"unit": "m"}


def test_every_dev_row_parses(dev_rows):
    counts = {}
    for r in dev_rows:
        fam = hybrid.parse(r.prompt).family
        counts[fam] = counts.get(fam, 0) + 1
    assert set(counts) == set(hybrid.FAMILY_NAMES)
    assert sum(counts.values()) == len(dev_rows)


@pytest.mark.parametrize("prompt,bad,line", [
    (BITS, ("01010001 -> 11011101", "0101000 -> 11011101"), 4),         # 7-bit input
    (BITS, ("Now, determine the output for: 00110100", "Now, determine the output for: 0011010"), 7),
    (GRAVITY, ("distance = 30.18 m", "distance = 3x.18 m"), 2),           # not a number
    (UNIT, ("36.11 m becomes", "abc m becomes"), 3),
    (EQ_NUM, ("38+52 = 901", "38+522 = 901"), 3),                          # left side not 5 chars
    (EQ_GLYPH, ("]/#|/ = #}<", "]/#| = #}<"), 3),
    (NUMERAL, ("26 -> XXVI", "26 XXVI"), 3),
    (CIPHER, ("near valley", "near"), 2),                                 # word counts differ
])
def test_malformed_line_names_the_line(prompt, bad, line):
    broken = prompt.replace(*bad, 1)
    assert broken != prompt
    with pytest.raises(TaskParseError) as err:
        hybrid.parse(broken)
    assert err.value.line == line
    assert f"line {line}" in str(err.value)


def test_missing_query():
    with pytest.raises(TaskParseError, match="missing query"):
        hybrid.parse(NUMERAL.rsplit("\n", 1)[0])


def test_unknown_template():
    with pytest.raises(UnsupportedTaskError):
        hybrid.parse("Here is a riddle about something else.\n1 -> 2\nNow, solve it.")
    with pytest.raises(UnsupportedTaskError):
        hybrid.parse("")


def test_errors_are_value_errors():
    assert issubclass(TaskParseError, hybrid.HybridError)
    assert issubclass(UnsupportedTaskError, hybrid.HybridError)
    assert issubclass(hybrid.CatalogError, hybrid.HybridError)
    assert issubclass(hybrid.HybridError, ValueError)


def test_task_from_pairs_validates():
    t = hybrid.Task.from_pairs("bit_manipulation", [("00000001", "00000010")], "00000011")
    assert t.family == "bit_manipulation" and t.prompt is None
    with pytest.raises(TaskParseError):
        hybrid.Task.from_pairs("bit_manipulation", [("0000001", "00000010")], "00000011")
    with pytest.raises(TaskParseError):
        hybrid.Task.from_pairs("equation_numeric", [("12+345", "1")], "12+34")
    with pytest.raises(hybrid.UnknownFamilyError):
        hybrid.Task.from_pairs("sudoku", [("1", "2")], "3")
