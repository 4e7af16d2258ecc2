"""Tests of text extraction: plain text encodings, Word, PDF, and e-mail as Chinese mail programs write it.

Every fixture is built here: .eml bytes with `EmailMessage` and by hand (encoded words, quoted-printable
and base64 GBK parts, RFC 2231 file names, as Outlook, Foxmail and QQ Mail send them) and .docx files
with `zipfile`.
"""

from __future__ import annotations

import base64
import binascii
import sys
import zipfile
from datetime import UTC, datetime, timedelta, timezone
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gmassist.domain import extract as ex
from gmassist.domain.extract import (
    PDF_NEEDS_PYPDF,
    decode_header_value,
    decode_text,
    docx_text,
    extract,
    extract_text,
    html_to_text,
    parse_eml,
)

CST = timezone(timedelta(hours=8))


def b64(text: str, encoding: str) -> str:
    return base64.b64encode(text.encode(encoding)).decode("ascii")


def word(text: str, charset: str, kind: str = "B") -> str:
    """An RFC 2047 encoded word."""
    data = text.encode(charset)
    if kind == "B":
        payload = base64.b64encode(data).decode("ascii")
    else:
        payload = "".join(chr(b) if chr(b).isalnum() and b < 128 else f"={b:02X}" for b in data)
    return f"=?{charset}?{kind}?{payload}?="


def crlf(text: str) -> bytes:
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")


# --- plain text -------------------------------------------------------------------------------------------

TEXT = "关于2027年度预算的请示\n请审批。Budget review 镕"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + TEXT.encode("utf-8"), "utf-8-sig"),
        (TEXT.encode("utf-16"), "utf-16"),  # with BOM, little-endian here
        (b"\xfe\xff" + TEXT.encode("utf-16-be"), "utf-16"),
        (TEXT.encode("gbk"), "gb18030"),
        (TEXT.encode("gb18030"), "gb18030"),
    ],
)
def test_text_encodings(data: bytes, encoding: str) -> None:
    assert decode_text(data) == (TEXT, encoding)


def test_gb2312_file_and_windows_line_ends() -> None:
    assert decode_text("会议纪要\r\n第一项\r\n".encode("gb2312")) == ("会议纪要\n第一项\n", "gb18030")


def test_utf16_without_bom_for_latin_text() -> None:
    assert decode_text("Quarterly report".encode("utf-16-le")) == ("Quarterly report", "utf-16-le")


def test_undecodable_bytes_are_replaced_not_fatal() -> None:
    text, encoding = decode_text(b"abc \xff\xff\xff def")
    assert encoding == "utf-8 (replaced)"
    assert text.startswith("abc ") and text.endswith(" def")
    result = extract(b"abc \xff\xff\xff def", "x.txt")
    assert result.reason == "Some bytes could not be decoded."


def test_extract_text_and_markdown_from_paths(tmp_path: Path) -> None:
    (tmp_path / "通知.txt").write_bytes("关于召开年度总结会的通知".encode("gbk"))
    (tmp_path / "notes.md").write_text("# 会议纪要\n\n- 预算 **通过**\n", encoding="utf-8")
    assert extract_text(tmp_path / "通知.txt") == "关于召开年度总结会的通知"
    result = extract(str(tmp_path / "notes.md"))
    assert (result.text, result.kind, result.encoding, result.reason) == (
        "# 会议纪要\n\n- 预算 **通过**\n",
        "text",
        "utf-8",
        "",
    )


def test_bytes_need_a_name_for_their_kind() -> None:
    assert extract_text("预算".encode(), "a.TXT") == "预算"
    result = extract(b"\x00\x01binary", "table.xlsx")
    assert (result.text, result.kind) == ("", "unknown")
    assert "'.xlsx' files" in result.reason
    assert "without a known ending" in extract(b"data").reason


def test_too_large_and_too_long(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(ex, "MAX_FILE_BYTES", 10)
    assert "larger than" in extract(b"x" * 11, "a.txt").reason
    (tmp_path / "big.txt").write_bytes(b"x" * 11)
    assert extract(tmp_path / "big.txt").text == ""
    monkeypatch.setattr(ex, "MAX_FILE_BYTES", 1000)
    monkeypatch.setattr(ex, "MAX_TEXT_CHARS", 5)
    result = extract("一二三四五六七".encode(), "a.txt")
    assert result.text == "一二三四五"
    assert "cut" in result.reason


# --- Word -------------------------------------------------------------------------------------------------

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="word/document.xml"/></Relationships>'
)


def make_docx(path: Path, body: str) -> Path:
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<w:document xmlns:w="{W_NS}" xmlns:mc="{MC_NS}"><w:body>{body}<w:sectPr/></w:body></w:document>'
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", RELS)
        archive.writestr("word/document.xml", document)
    return path


def p(*runs: str) -> str:
    return "<w:p>" + "".join(runs) + "</w:p>"


def r(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>'


def cell(text: str) -> str:
    return f"<w:tc><w:tcPr/>{p(r(text))}</w:tc>"


DOCX_BODY = "".join(
    [
        p(
            r("关于"), "<w:r><w:rPr><w:b/></w:rPr><w:t>合</w:t></w:r>", r("同的请示")
        ),  # one word split over runs
        p(r("Budget "), "<w:r><w:tab/><w:t>2027</w:t></w:r>"),
        p("<w:r><w:t>第一行</w:t><w:br/><w:t>第二行</w:t></w:r>"),
        p(
            "<w:del><w:r><w:delText>删除的文字</w:delText></w:r></w:del>",
            "<w:ins><w:r><w:t>新增的文字</w:t></w:r></w:ins>",
        ),
        f"<w:tbl><w:tblPr/><w:tr>{cell('部门')}{cell('预算')}</w:tr><w:tr>{cell('销售')}{cell('120万')}</w:tr></w:tbl>",
        p(
            '<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><w:txbxContent>'
            + p(r("文本框"))
            + "</w:txbxContent></w:drawing></mc:Choice><mc:Fallback><w:pict><w:txbxContent>"
            + p(r("文本框"))
            + "</w:txbxContent></w:pict></mc:Fallback></mc:AlternateContent></w:r>"
        ),
        p(
            '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> PAGE </w:instrText></w:r>',
            r("1"),
        ),
        p(),
        p(r("此致 &amp; 敬礼")),
    ]
)
DOCX_TEXT = "关于合同的请示\nBudget \t2027\n第一行\n第二行\n新增的文字\n部门\t预算\n销售\t120万\n文本框\n1\n\n此致 & 敬礼"


def test_docx_paragraphs_runs_tables(tmp_path: Path) -> None:
    path = make_docx(tmp_path / "请示.docx", DOCX_BODY)
    assert extract_text(path) == DOCX_TEXT
    assert docx_text(path.read_bytes()) == DOCX_TEXT
    result = extract(path.read_bytes(), "请示.DOCX")
    assert (result.kind, result.reason) == ("docx", "")


def test_docx_recognised_without_its_name(tmp_path: Path) -> None:
    data = make_docx(tmp_path / "a.docx", p(r("合同"))).read_bytes()
    assert extract(data, "attachment.bin").text == "合同"


def test_broken_docx_gives_a_reason(tmp_path: Path) -> None:
    result = extract(b"PK\x03\x04 not really a zip", "x.docx")
    assert result.text == "" and "Not a readable Word document" in result.reason
    with zipfile.ZipFile(tmp_path / "other.docx", "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    assert "Not a readable Word document" in extract(tmp_path / "other.docx").reason
    with zipfile.ZipFile(tmp_path / "bomb.docx", "w") as archive:
        archive.writestr("word/document.xml", '<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>')
    assert "entities" in extract(tmp_path / "bomb.docx").reason
    with zipfile.ZipFile(tmp_path / "bad.docx", "w") as archive:
        archive.writestr("word/document.xml", "<w:document><unclosed>")
    assert "damaged" in extract(tmp_path / "bad.docx").reason


# --- PDF --------------------------------------------------------------------------------------------------


def make_pdf(text: str) -> bytes:
    """A one-page PDF with `text` in Helvetica, offsets computed so any reader accepts it."""
    stream = f"BT /F1 18 Tf 20 100 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 144] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_pdf_without_pypdf_gives_empty_text_and_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pypdf", None)  # makes `import pypdf` fail even where it is installed
    result = extract(make_pdf("Budget 2027"), "report.pdf")
    assert (result.text, result.kind, result.reason) == ("", "pdf", PDF_NEEDS_PYPDF)
    assert extract(make_pdf("x"), "no-extension").kind == "pdf"  # recognised by its header


def test_pdf_with_pypdf() -> None:
    pytest.importorskip("pypdf")
    assert "Budget 2027" in extract_text(make_pdf("Budget 2027"), "report.pdf")
    assert "could not be read" in extract(b"%PDF-1.4 garbage", "x.pdf").reason


# --- e-mail built with EmailMessage ---------------------------------------------------------------------


def built_message() -> bytes:
    msg = EmailMessage()
    msg["Subject"] = "关于2027年度预算的请示"
    msg["From"] = Address("张三", "zhangsan", "example.com")
    msg["To"] = [Address("李四", "lisi", "example.com"), Address("Wang, Wu", addr_spec="ww@example.com")]
    msg["Cc"] = "office@example.com"
    msg["Date"] = format_datetime(datetime(2026, 11, 3, 10, 15, tzinfo=CST))
    msg["Message-ID"] = "<budget-2027@example.com>"
    msg.set_content("王总：\n\n附件为2027年度预算，请审批。\n")
    msg.add_alternative("<p>王总：</p><p>附件为2027年度预算，请审批。</p>", subtype="html")
    msg.add_attachment(b"%PDF-1.4 fake", maintype="application", subtype="pdf", filename="2027年度预算表.pdf")
    msg.add_attachment("说明".encode(), maintype="text", subtype="plain", filename="说明.txt")
    return msg.as_bytes()


def test_built_message() -> None:
    mail = parse_eml(built_message())
    assert mail.subject == "关于2027年度预算的请示"
    assert mail.sender == "张三 <zhangsan@example.com>"
    assert mail.recipients == ["李四 <lisi@example.com>", '"Wang, Wu" <ww@example.com>', "office@example.com"]
    assert mail.date == datetime(2026, 11, 3, 10, 15, tzinfo=CST)
    assert mail.date is not None and mail.date.utcoffset() == timedelta(hours=8)
    assert mail.body == "王总：\n\n附件为2027年度预算，请审批。"  # text/plain preferred over html
    assert mail.attachments == [
        ("2027年度预算表.pdf", "application/pdf", b"%PDF-1.4 fake"),
        ("说明.txt", "text/plain", "说明".encode()),
    ]
    assert mail.message_id == "<budget-2027@example.com>"
    assert mail.problems == []


def test_eml_as_searchable_text(tmp_path: Path) -> None:
    (tmp_path / "mail.eml").write_bytes(built_message())
    result = extract(tmp_path / "mail.eml")
    assert result.kind == "eml" and result.reason == ""
    assert result.text.splitlines()[:4] == [
        "Subject: 关于2027年度预算的请示",
        "From: 张三 <zhangsan@example.com>",
        'To: 李四 <lisi@example.com>, "Wang, Wu" <ww@example.com>, office@example.com',
        "Date: 2026-11-03T10:15:00+08:00",
    ]
    assert "附件为2027年度预算，请审批。" in result.text
    assert result.text.endswith("Attachments: 2027年度预算表.pdf, 说明.txt")


def test_html_only_message_is_stripped() -> None:
    msg = EmailMessage()
    msg["Subject"] = "Notice"
    msg["From"] = "hr@example.com"
    msg.set_content(
        "<html><head><title>t</title><style>p {color: red}</style></head><body>"
        "<p>各部门：</p><p>定于&nbsp;11月20日&amp;21日 召开<b>年度</b>总结会。</p>"
        "<script>alert('x')</script><table><tr><td>时间</td><td>地点</td></tr></table></body></html>",
        subtype="html",
    )
    body = parse_eml(msg.as_bytes()).body
    assert body == "各部门：\n定于 11月20日&21日 召开年度总结会。\n时间 地点"


def test_empty_plain_part_falls_back_to_html() -> None:
    msg = EmailMessage()
    msg.set_content("   \n")
    msg.add_alternative("<div>请查收</div>", subtype="html")
    assert parse_eml(msg.as_bytes()).body == "请查收"


def test_html_to_text_keeps_lines() -> None:
    assert html_to_text("<p>一</p>\n\n\n<br><div>二 &lt;三&gt;</div>") == "一\n\n二 <三>"


# --- e-mail written by hand, as Chinese mail programs send it ---------------------------------------------

SUBJECT = "关于镕铸项目合同审批的请示"  # 镕 is in GBK but not in GB2312: Outlook still labels it gb2312
BODY = "王总：\n  镕铸项目合同已经法务审核，请审批。\n此致"


def outlook_message() -> bytes:
    subject = SUBJECT.encode("gbk")
    first, second = subject[:7], subject[7:]  # cut inside a two-byte character
    body_qp = binascii.b2a_qp(BODY.replace("\n", "\r\n").encode("gbk")).decode("ascii")
    html_qp = binascii.b2a_qp(f"<html><body><p>{BODY}</p></body></html>".encode("gbk")).decode("ascii")
    name = word("镕铸项目合同（草案）.docx", "gbk").replace("gbk", "gb2312")
    return crlf(
        f"""Received: from mail.example.com by mx.example.com; Tue, 3 Nov 2026 10:15:02 +0800
From: "{word("张三", "gb2312")}" <zhangsan@example.com>
To: "{word("王总", "gb2312")}" <gm@example.com>
Cc: {word("法务部", "gbk", "Q")} <legal@example.com>
Subject: =?gb2312?B?{base64.b64encode(first).decode()}?=
 =?gb2312?B?{base64.b64encode(second).decode()}?=
Date: Tue, 3 Nov 2026 10:15:00 +0800
Message-ID: <000001d9$outlook@example.com>
MIME-Version: 1.0
Content-Type: multipart/mixed;
\tboundary="----=_NextPart_000_0001_01DA0E2B"
X-Mailer: Microsoft Outlook 16.0

This is a multi-part message in MIME format.

------=_NextPart_000_0001_01DA0E2B
Content-Type: multipart/alternative;
\tboundary="----=_NextPart_001_0002_01DA0E2B"

------=_NextPart_001_0002_01DA0E2B
Content-Type: text/plain;
\tcharset="gb2312"
Content-Transfer-Encoding: quoted-printable

{body_qp}
------=_NextPart_001_0002_01DA0E2B
Content-Type: text/html;
\tcharset="gb2312"
Content-Transfer-Encoding: quoted-printable

{html_qp}
------=_NextPart_001_0002_01DA0E2B--

------=_NextPart_000_0001_01DA0E2B
Content-Type: application/vnd.openxmlformats-officedocument.wordprocessingml.document;
\tname="{name}"
Content-Transfer-Encoding: base64
Content-Disposition: attachment;
\tfilename="{name}"

{base64.b64encode(b"PK docx bytes").decode()}

------=_NextPart_000_0001_01DA0E2B--
"""
    )


def test_outlook_gb2312_that_is_really_gbk() -> None:
    mail = parse_eml(outlook_message())
    assert mail.subject == SUBJECT
    assert mail.sender == "张三 <zhangsan@example.com>"
    assert mail.recipients == ["王总 <gm@example.com>", "法务部 <legal@example.com>"]
    assert mail.date == datetime(2026, 11, 3, 10, 15, tzinfo=CST)
    assert mail.body == BODY
    assert mail.attachments == [
        (
            "镕铸项目合同（草案）.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            b"PK docx bytes",
        )
    ]
    assert mail.problems == []


FOXMAIL_BODY = "各位：\n十一月经营分析会纪要见附件。"


def foxmail_message() -> bytes:
    filename = "".join(f"%{b:02X}" for b in "会议纪要.pdf".encode("gbk"))
    return crlf(
        f"""Date: Wed, 4 Nov 2026 08:01:33 +0800
From: "{word("李四", "GBK")}" <lisi@example.com>
To: "gm" <gm@example.com>
Subject: {word("转发：十一月经营分析会", "GBK")}
X-Mailer: Foxmail 7.2.25.228[cn]
Mime-Version: 1.0
Message-ID: <202611040801332012345@example.com>
Content-Type: multipart/mixed;
\tboundary="----=_001_NextPart572182624333_=----"

------=_001_NextPart572182624333_=----
Content-Type: text/plain;
\tcharset="GBK"
Content-Transfer-Encoding: base64

{b64(FOXMAIL_BODY, "gbk")}

------=_001_NextPart572182624333_=----
Content-Type: application/octet-stream
Content-Transfer-Encoding: base64
Content-Disposition: attachment; filename*=GBK''{filename}

{base64.b64encode(b"%PDF-1.4").decode()}

------=_001_NextPart572182624333_=------
"""
    )


def test_foxmail_gbk_with_rfc2231_file_name() -> None:
    mail = parse_eml(foxmail_message())
    assert mail.subject == "转发：十一月经营分析会"
    assert mail.sender == "李四 <lisi@example.com>"
    assert mail.recipients == ["gm <gm@example.com>"]
    assert mail.body == "各位：\n十一月经营分析会纪要见附件。"
    assert mail.attachments == [("会议纪要.pdf", "application/octet-stream", b"%PDF-1.4")]


def qq_message() -> bytes:
    return crlf(
        f"""From: "{word("王五", "gb18030")}" <12345678@qq.com>
To: "gm@example.com" <gm@example.com>
Subject: {word("预算表（修订）", "gb18030", "Q")}
Mime-Version: 1.0
Content-Type: multipart/mixed;
\tboundary="----=_NextPart_6543_21_QQ"
Content-Transfer-Encoding: 8Bit
Date: Thu, 5 Nov 2026 16:05:12 +0800 (CST)
X-Priority: 3
X-Mailer: QQMail 2.x

This is a multi-part message in MIME format.

------=_NextPart_6543_21_QQ
Content-Type: multipart/alternative;
\tboundary="----=_NextPart_6543_22_QQ"

------=_NextPart_6543_22_QQ
Content-Type: text/html;
\tcharset="gb18030"
Content-Transfer-Encoding: base64

{b64("<div>王总好，</div><div><br></div><div>修订后的预算表已附上。</div>", "gb18030")}

------=_NextPart_6543_22_QQ--

------=_NextPart_6543_21_QQ
Content-Type: application/vnd.ms-excel;
\tname="=?gb18030?B?{b64("预算表.xlsx", "gb18030")}?="
Content-Disposition: attachment;
\tfilename*0*=UTF-8''%E9%A2%84%E7%AE%97;
\tfilename*1*=%E8%A1%A8%EF%BC%88%E4%BF%AE%E8%AE%A2%EF%BC%89.xlsx
Content-Transfer-Encoding: base64

{base64.b64encode(b"xlsx").decode()}

------=_NextPart_6543_21_QQ--
"""
    )


def test_qq_mail_html_only_with_continued_file_name() -> None:
    mail = parse_eml(qq_message())
    assert mail.subject == "预算表（修订）"
    assert mail.sender == "王五 <12345678@qq.com>"
    assert mail.date == datetime(2026, 11, 5, 16, 5, 12, tzinfo=CST)
    assert mail.body == "王总好，\n\n修订后的预算表已附上。"
    assert mail.attachments == [("预算表（修订）.xlsx", "application/vnd.ms-excel", b"xlsx")]


def test_raw_8bit_gbk_headers_and_undeclared_body() -> None:
    raw = (
        b"From: \xd5\xc5\xc8\xfd <zs@example.com>\r\n"
        + b"Subject: "
        + "合同审批".encode("gbk")
        + b"\r\nDate: Tue, 3 Nov 2026 10:15:00 +0800\r\nContent-Type: text/plain\r\n"
        + b"Content-Transfer-Encoding: 8bit\r\n\r\n"
        + "请尽快审批。".encode("gbk")
    )
    mail = parse_eml(raw)
    assert (mail.subject, mail.sender, mail.body) == ("合同审批", "张三 <zs@example.com>", "请尽快审批。")


def test_unknown_charset_label_is_guessed() -> None:
    raw = crlf("Subject: x\nContent-Type: text/plain; charset=x-fancy\nContent-Transfer-Encoding: base64\n\n")
    raw += base64.b64encode("预算".encode("gbk")) + b"\r\n"
    assert parse_eml(raw).body == "预算"


@pytest.mark.parametrize(
    ("raw", "decoded"),
    [
        (f"{word('年度', 'utf-8')} {word('预算', 'utf-8')}", "年度预算"),  # space between words dropped
        (f"Re: {word('预算', 'gbk', 'Q')} review", "Re: 预算 review"),
        (f"{word('Hello_', 'utf-8', 'Q')}world", "Hello_world"),
        ("=?gb2312*zh-cn?B?" + b64("合同", "gb2312") + "?=", "合同"),  # RFC 2231 language tag
        ("=?utf-8?B?5ZCI5ZCM?=", "合同"),
        ("=?utf-8?B?5ZCI5ZCM?", "=?utf-8?B?5ZCI5ZCM?"),  # broken: left as written
        ("=?utf-8?B?5ZCI5Q?=", "合\ufffd"),  # missing padding, a character cut in half
        ("=?utf-8?B?5ZCI5?=", "合"),  # a stray base64 character
        ("plain ascii", "plain ascii"),
    ],
)
def test_header_decoding(raw: str, decoded: str) -> None:
    assert decode_header_value(raw) == decoded


# --- e-mail edge cases ----------------------------------------------------------------------------------


def test_missing_date_from_and_body() -> None:
    mail = parse_eml(crlf("Subject: only a subject\n\n"))
    assert (mail.subject, mail.sender, mail.recipients, mail.date, mail.body) == (
        "only a subject",
        "",
        [],
        None,
        "",
    )
    assert mail.attachments == []
    assert "The message has no Date header." in mail.problems
    assert "The message has no From header." in mail.problems
    assert "The message has no text body." in mail.problems


@pytest.mark.parametrize("data", [b"", b"\x00\xff\xfe garbage", b"\r\n\r\n", b"no headers at all"])
def test_nothing_useful_does_not_crash(data: bytes) -> None:
    mail = parse_eml(data)
    assert mail.date is None
    assert isinstance(mail.body, str)


def test_bad_and_zone_less_dates() -> None:
    mail = parse_eml(crlf("Date: the day after tomorrow\nSubject: x\n\nbody"))
    assert mail.date is None
    assert any("cannot be read" in problem for problem in mail.problems)
    utc = parse_eml(crlf("Date: Tue, 3 Nov 2026 02:15:00 -0000\n\nbody")).date
    assert utc == datetime(2026, 11, 3, 2, 15, tzinfo=UTC)
    assert utc is not None and utc.tzinfo is not None


def test_malformed_headers_and_mime() -> None:
    raw = crlf(
        "From: <<<broken@@\nTo: ,,,\nSubject: =?unknown-charset?B?5ZCI5ZCM?=\n"
        'Content-Type: multipart/mixed; boundary="never-used"\n\nJust some text without the boundary.\n'
    )
    mail = parse_eml(raw)
    assert mail.subject == "合同"  # an unknown charset label is guessed
    assert isinstance(mail.sender, str)
    assert mail.problems  # the defects are reported, not raised


def test_attachment_names_are_safe_and_always_present() -> None:
    raw = crlf(
        f"""Subject: files
Content-Type: multipart/mixed; boundary="b"

--b
Content-Type: text/plain; charset=utf-8

see attached
--b
Content-Type: application/pdf
Content-Disposition: attachment; filename="..\\\\..\\\\windows\\\\合同.pdf"
Content-Transfer-Encoding: base64

{base64.b64encode(b"%PDF").decode()}
--b
Content-Type: image/png
Content-ID: <image001.png@01DA>
Content-Transfer-Encoding: base64

{base64.b64encode(b"PNG").decode()}
--b
Content-Type: text/calendar; method=REQUEST; charset=utf-8

BEGIN:VCALENDAR
END:VCALENDAR
--b--
"""
    )
    mail = parse_eml(raw)
    assert mail.body == "see attached"
    assert [a.name for a in mail.attachments] == ["合同.pdf", "attachment-2.png", "attachment-3.ics"]
    assert mail.attachments[0].data == b"%PDF"


def test_forwarded_message_is_one_attachment() -> None:
    inner = EmailMessage()
    inner["Subject"] = "原始邮件：合同"
    inner["From"] = "a@example.com"
    inner.set_content("内层正文")
    outer = EmailMessage()
    outer["Subject"] = "Fw: 合同"
    outer.set_content("请看转发的邮件")
    outer.add_attachment(inner)
    mail = parse_eml(outer.as_bytes())
    assert mail.body == "请看转发的邮件"  # the inner body does not leak into the outer one
    assert [(a.name, a.mime) for a in mail.attachments] == [("原始邮件：合同.eml", "message/rfc822")]
    assert parse_eml(mail.attachments[0].data).body == "内层正文"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_damaged_messages_never_crash(data: st.DataObject) -> None:
    source = data.draw(st.sampled_from([outlook_message(), foxmail_message(), qq_message(), built_message()]))
    start = data.draw(st.integers(min_value=0, max_value=len(source)))
    length = data.draw(st.integers(min_value=0, max_value=200))
    junk = data.draw(st.binary(max_size=20))
    mail = parse_eml(source[:start] + junk + source[start + length :])
    assert mail.date is None or mail.date.tzinfo is not None
    assert all(isinstance(a.data, bytes) for a in mail.attachments)
    assert isinstance(ex.email_text(mail), str)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400))
def test_random_bytes_never_crash(data: bytes) -> None:
    assert isinstance(parse_eml(data).body, str)
    for name in ("a.txt", "a.docx", "a.eml", "a.pdf", "a"):
        assert isinstance(extract(data, name).text, str)
