"""CSV encoding detection from samples, and strict transcoding to UTF-8."""
from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from tagkit.errors import InputError
from tagkit.io.encoding import SAMPLE_BYTES, detect_encoding, transcode_to_utf8

HEADER = "客户编号,客户名称,大区,业务员编号\n"
ROW = "C1,上海甲贸易有限公司,华东,R1\n"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ((HEADER + ROW).encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + (HEADER + ROW).encode("utf-8"), "utf-8-sig"),
        ((HEADER + ROW).encode("gbk"), "gb18030"),
        # 𠮷 exists only in GB18030 (4 bytes), not in GBK
        ((HEADER + "C2,𠮷祥商行,华北,R2\n").encode("gb18030"), "gb18030"),
        (b"customer_id,customer_name\nC1,Alpha\n", "utf-8"),
    ],
    ids=["utf-8", "utf-8-bom", "gbk", "gb18030", "ascii"],
)
def test_detects_encoding(tmp_path: Path, data: bytes, expected: str) -> None:
    path = tmp_path / "customers.csv"
    path.write_bytes(data)
    assert detect_encoding(path) == expected


def test_multibyte_character_cut_by_the_sample_is_still_utf8(tmp_path: Path) -> None:
    """A 3-byte character straddles the 64 KB boundary, and the middle window opens mid-character."""
    prefix = b"a" * (SAMPLE_BYTES - 1)
    body = prefix + "华东".encode() * 40_000
    assert body[SAMPLE_BYTES - 1 : SAMPLE_BYTES + 2].decode() == "华"
    path = tmp_path / "big.csv"
    path.write_bytes(body)
    assert detect_encoding(path) == "utf-8"


def test_gbk_after_a_long_ascii_start_is_found_in_later_windows(tmp_path: Path) -> None:
    ascii_rows = "".join(f"C{i},Alpha,East,R1\n" for i in range(20_000)).encode()
    assert len(ascii_rows) > 2 * SAMPLE_BYTES
    path = tmp_path / "customers.csv"
    path.write_bytes(b"customer_id,customer_name,region,rep_id\n" + ascii_rows + ROW.encode("gbk"))
    assert detect_encoding(path) == "gb18030"


def test_utf16_is_rejected_with_a_fix(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_bytes((HEADER + ROW).encode("utf-16"))
    pattern = r"orders\.csv: file must be CSV in UTF-8 or GBK/GB18030; got UTF-16.*CSV UTF-8"
    with pytest.raises(InputError, match=pattern):
        detect_encoding(path)


def test_transcode_streams_gbk_to_utf8(tmp_path: Path) -> None:
    src = tmp_path / "customers.csv"
    src.write_bytes((HEADER + ROW * 3).encode("gbk"))
    out = transcode_to_utf8(src, "gb18030", tmp_path / "out.csv")
    assert out.read_text(encoding="utf-8") == HEADER + ROW * 3


def test_transcode_names_the_line_of_an_undecodable_byte(tmp_path: Path) -> None:
    src = tmp_path / "customers.csv"
    src.write_bytes((HEADER + ROW).encode("gbk") + b"C9,\xff\xff,x,y\n")
    pattern = r"customers\.csv: file must be valid gbk .* on line 3\. Set io\.encoding"
    with pytest.raises(InputError, match=pattern):
        transcode_to_utf8(src, "gbk", tmp_path / "out.csv")
