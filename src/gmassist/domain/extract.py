"""Text out of the files the inbox takes in: plain text, Markdown, e-mail (.eml), Word (.docx) and PDF.

The text feeds search and the classification rules, so extraction never fails loudly: a file it
cannot read gives empty text and a reason (`Extraction.reason`) that the UI can show. Only the
standard library is used (``email``, ``zipfile``, ``xml.etree``, ``html.parser``); PDF text needs the
optional ``pypdf`` package and is skipped with a reason when it is missing.

Chinese mail is the hard case: Outlook, Foxmail and QQ Mail label text "gb2312" that really is GBK,
put RFC 2047 encoded words inside quoted display names and file names, and sometimes send raw 8-bit
headers. Every charset of the GB family is therefore decoded as GB18030 (their superset), and headers
and file names are decoded here rather than by the ``email`` package, which would replace the
characters it cannot map.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import functools
import io
import mimetypes
import os
import re
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser
from pathlib import Path, PurePath
from typing import NamedTuple
from urllib.parse import unquote_to_bytes
from xml.etree import ElementTree

MAX_FILE_BYTES = 100 * 1024 * 1024
"""Larger files are not read for text: the document is still stored, only not searchable by content."""

MAX_TEXT_CHARS = 2_000_000
"""Extracted text is cut to this length; search needs no more and the store keeps it sealed per row."""

MAX_DOCX_XML_BYTES = 64 * 1024 * 1024
"""The largest uncompressed document.xml read from a .docx (a guard against zip bombs)."""

MAX_MIME_DEPTH = 20
"""How deep nested multiparts and forwarded messages are followed."""

PDF_NEEDS_PYPDF = "PDF text needs the optional 'pypdf' package, which is not installed."
"""The reason given for a PDF when pypdf is missing."""

TEXT_SUFFIXES = frozenset({".txt", ".text", ".md", ".markdown", ".csv", ".log"})
"""File name endings read as plain text."""


@dataclass(frozen=True)
class Extraction:
    """The text taken out of one file, and why it is empty or incomplete when it is."""

    text: str
    """The text (may be empty)."""
    kind: str
    """What the file was read as: text, eml, docx, pdf or unknown."""
    reason: str = ""
    """Why the text is empty, cut or partly undecodable; empty when all went well."""
    encoding: str = ""
    """For plain text: the encoding it was decoded with."""


class EmailAttachment(NamedTuple):
    """One attached file of an e-mail: its name, MIME type and bytes."""

    name: str
    """The file name, decoded and stripped of any directory part."""
    mime: str
    """The MIME type (application/pdf...)."""
    data: bytes
    """The decoded content."""


@dataclass(frozen=True)
class EmailDoc:
    """An e-mail, read into the values a `Document` needs. Missing parts get empty defaults."""

    subject: str = ""
    """The decoded subject; empty when missing."""
    sender: str = ""
    """The From address as "Name <address>" (or just one of the two)."""
    recipients: list[str] = field(default_factory=list)
    """To and then Cc addresses, each as "Name <address>"."""
    date: datetime | None = None
    """When it was sent, tz-aware; None when the Date header is missing or unreadable."""
    body: str = ""
    """The text/plain body, or the text/html body stripped of tags; empty when there is none."""
    attachments: list[EmailAttachment] = field(default_factory=list)
    """Attached files (forwarded messages as .eml), in the order they appear."""
    message_id: str = ""
    """The Message-ID header, to tell the same mail imported twice."""
    problems: list[str] = field(default_factory=list)
    """What was wrong with the message (missing Date, undecodable text...), for the import report."""


# --- plain text ------------------------------------------------------------------------------------------

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE, whose BOM it starts with
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode a text file: (text, encoding).

    A byte-order mark decides (UTF-8, UTF-16, UTF-32); without one, UTF-16 without BOM is recognised
    for mostly Latin text (every other byte zero), else UTF-8 is tried, then GB18030, which covers GB2312 and GBK
    files from Chinese Windows. If nothing fits, UTF-8 with replacement characters is returned and the
    encoding is reported as "utf-8 (replaced)". Line ends become "\\n".
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            text = data.decode(encoding, errors="replace")
            return _newlines(text.lstrip("\ufeff")), encoding
    utf16 = _bomless_utf16(data)  # before UTF-8, which accepts the zero bytes too
    if utf16 is not None:
        try:
            return _newlines(data.decode(utf16)), utf16
        except UnicodeDecodeError:
            pass
    try:
        return _newlines(data.decode("utf-8")), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return _newlines(data.decode("gb18030")), "gb18030"
    except UnicodeDecodeError:
        return _newlines(data.decode("utf-8", errors="replace")), "utf-8 (replaced)"


def _bomless_utf16(data: bytes) -> str | None:
    """UTF-16 without BOM shows as a zero in every other byte for Latin text."""
    sample = data[:4096]
    if len(sample) < 4 or len(sample) % 2:
        return None
    even_zeros = sample[0::2].count(0) / (len(sample) / 2)
    odd_zeros = sample[1::2].count(0) / (len(sample) / 2)
    if odd_zeros > 0.4 and even_zeros < 0.05:
        return "utf-16-le"
    if even_zeros > 0.4 and odd_zeros < 0.05:
        return "utf-16-be"
    return None


def _newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


# --- charsets ------------------------------------------------------------------------------------------

_CHARSET_UPGRADES: dict[str, str] = {
    "gb2312": "gb18030",
    "gb_2312": "gb18030",
    "gb_2312-80": "gb18030",
    "csgb2312": "gb18030",
    "euc-cn": "gb18030",
    "euccn": "gb18030",
    "chinese": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "ms936": "gb18030",
    "windows-936": "gb18030",
    "big5": "big5hkscs",
    "ks_c_5601-1987": "cp949",
    "x-unknown": "utf-8",
    "unknown-8bit": "utf-8",
}
"""Charset labels mail programs use for something larger: decode with the superset instead."""


def _codec(charset: str | None) -> str | None:
    """The Python codec for a MIME charset label, upgraded to its superset; None if unknown."""
    if not charset:
        return None
    label = charset.strip().strip("\"'").lower()
    label = _CHARSET_UPGRADES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def decode_bytes(data: bytes, charset: str | None = None) -> tuple[str, bool]:
    """Decode bytes in their declared charset, else by guessing: (text, whether it decoded cleanly).

    A declared charset is tried first (GB2312 and GBK read as GB18030), then UTF-8 (the commonest
    mislabel), then the declared charset with replacement characters. Without a usable label (none,
    unknown, or us-ascii over 8-bit bytes) UTF-8 is tried, then GB18030, then UTF-8 with replacements.
    """
    declared = _codec(charset)
    if declared == "ascii":
        declared = None
    attempts = (declared, "utf-8") if declared else ("utf-8", "gb18030")
    for codec in attempts:
        try:
            return data.decode(codec), True
        except UnicodeDecodeError:
            continue
    return data.decode(declared or "utf-8", errors="replace"), False


# --- headers ---------------------------------------------------------------------------------------------

_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_FOLD = re.compile(r"\r?\n(?=[ \t])")


def _recover_8bit(raw: str) -> str:
    """Headers with raw 8-bit bytes (no encoded words) arrive from the parser as surrogate escapes:
    turn them back into bytes and decode those as UTF-8 or GB18030."""
    if not any("\udc80" <= ch <= "\udcff" for ch in raw):
        return raw
    text, _ = decode_bytes(raw.encode("utf-8", errors="surrogateescape"))
    return text


def _decode_word(encoding: str, payload: str) -> bytes | None:
    try:
        if encoding.upper() == "B":
            payload = payload.rstrip("=")
            if len(payload) % 4 == 1:
                payload = payload[:-1]  # a stray character cannot encode a byte: drop it
            return base64.b64decode(payload + "=" * (-len(payload) % 4))
        return binascii.a2b_qp(payload.encode("ascii", errors="replace"), header=True)
    except (binascii.Error, ValueError):
        return None


def decode_header_value(raw: str) -> str:
    """Decode a raw header value: RFC 2047 encoded words (also inside quotes, as Outlook writes them),
    raw 8-bit text, and folding. Adjacent encoded words in one charset are joined before decoding,
    because some mailers split a multi-byte character between two of them."""
    raw = _FOLD.sub("", _recover_8bit(raw))
    pieces: list[str] = []
    pending_charset: str | None = None
    pending: bytearray = bytearray()
    position = 0

    def flush() -> None:
        nonlocal pending_charset
        if pending_charset is not None:
            pieces.append(decode_bytes(bytes(pending), pending_charset)[0])
            pending.clear()
            pending_charset = None

    for match in _ENCODED_WORD.finditer(raw):
        between = raw[position : match.start()]
        charset = match.group(1).split("*", 1)[0]  # RFC 2231 language suffix: =?gb2312*zh?B?...?=
        data = _decode_word(match.group(2), match.group(3))
        if data is None:
            continue  # leave a broken word as it was written
        if pending_charset is None or between.strip():
            flush()
            pieces.append(between)
        elif charset.lower() != pending_charset.lower():
            flush()
        pending_charset = charset if pending_charset is None else pending_charset
        pending.extend(data)
        position = match.end()
    flush()
    pieces.append(raw[position:])
    return "".join(pieces).strip()


def _raw_headers(part: Message, name: str) -> list[str]:
    """Every raw value of a header, as written in the message (folding kept)."""
    return [str(value) for key, value in part.raw_items() if key.lower() == name.lower()]


def _raw_header(part: Message, name: str) -> str:
    values = _raw_headers(part, name)
    return values[0] if values else ""


def _addresses(raw_values: list[str]) -> list[str]:
    """Addresses as "Name <address>", with encoded display names decoded."""
    out: list[str] = []
    for raw in raw_values:
        raw = _FOLD.sub("", _recover_8bit(raw))
        parsed = [(decode_header_value(name), address.strip()) for name, address in getaddresses([raw])]
        parsed = [(name, address) for name, address in parsed if name or address]
        if not parsed and raw.strip():
            out.append(decode_header_value(raw))
            continue
        out.extend(_format_address(name, address) for name, address in parsed)
    return out


def _format_address(name: str, address: str) -> str:
    """Format as "Name <address>", quoting a name with commas or other specials so the list stays readable."""
    if not (name and address):
        return name or address
    if re.search(r'[,;:<>@"\\()\[\]]', name):
        name = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{name} <{address}>"


def _header_params(raw: str) -> dict[str, str]:
    """Parameters of a Content-Type or Content-Disposition value, with RFC 2231 (``filename*=``,
    continuations) and RFC 2047 (``filename="=?gb2312?B?...?="``) values decoded."""
    raw = _FOLD.sub("", _recover_8bit(raw))
    pieces: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for ch in raw:
        if escaped:
            current.append(ch)
            escaped = False
        elif ch == "\\" and quoted:
            escaped = True
        elif ch == '"':
            quoted = not quoted
        elif ch == ";" and not quoted:
            pieces.append("".join(current))
            current = []
        else:
            current.append(ch)
    pieces.append("".join(current))
    plain: dict[str, str] = {}
    sections: dict[str, dict[int, tuple[str, bool]]] = {}
    for piece in pieces[1:]:
        key, sep, value = piece.partition("=")
        key, value = key.strip().lower(), value.strip()
        if not sep or not key:
            continue
        encoded = key.endswith("*")
        key = key.rstrip("*")
        number = re.fullmatch(r"(.+?)\*(\d+)", key)
        if number:
            sections.setdefault(number.group(1), {})[int(number.group(2))] = (value, encoded)
        elif encoded:
            sections.setdefault(key, {})[0] = (value, True)
        else:
            plain[key] = decode_header_value(value)
    for key, parts in sections.items():
        charset = ""
        data = bytearray()
        for index in sorted(parts):
            value, encoded = parts[index]
            if encoded:
                if index == min(parts) and value.count("'") >= 2:
                    charset, _language, value = value.split("'", 2)
                data.extend(unquote_to_bytes(value))
            else:
                data.extend(value.encode("utf-8", errors="surrogateescape"))
        plain[key] = decode_bytes(bytes(data), charset or None)[0]
    return plain


def _filename(part: Message) -> str:
    """The part's file name (Content-Disposition filename, else Content-Type name), decoded and without
    any directory part, so it is safe to save under."""
    name = _header_params(_raw_header(part, "content-disposition")).get("filename", "")
    if not name:
        name = _header_params(_raw_header(part, "content-type")).get("name", "")
    name = re.split(r"[\\/]", name)[-1]
    return "".join(ch for ch in name if ch.isprintable()).strip()


def _date(raw: str, problems: list[str]) -> datetime | None:
    if not raw.strip():
        problems.append("The message has no Date header.")
        return None
    try:
        value = parsedate_to_datetime(_FOLD.sub("", raw).strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        problems.append(f"The Date header {raw.strip()!r} cannot be read.")
        return None
    if value.tzinfo is None:
        # RFC 5322 "-0000": the time is UTC and the sender's zone is unknown.
        return value.replace(tzinfo=UTC)
    return value


# --- e-mail ----------------------------------------------------------------------------------------------


class _HTMLText(HTMLParser):
    """Collects the visible text of an HTML body, one line per block element."""

    BLOCK = frozenset(
        {"p", "div", "br", "li", "tr", "table", "ul", "ol", "blockquote", "pre", "hr", "section", "article"}
        | {"header", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "dd", "dt", "title"}
    )
    SKIP = frozenset({"script", "style", "head", "noscript", "template"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def _break(self) -> None:
        """End the current line, unless it has just ended (</p><p> is one break, not two)."""
        if self.parts and not self.parts[-1].endswith("\n"):
            self.parts.append("\n")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skipping += 1
        elif tag == "br":
            self.parts.append("\n")  # every <br> counts: <div><br></div> is a blank line
        elif tag in self.BLOCK:
            self._break()
        elif tag in ("td", "th"):
            self.parts.append("\t")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCK and tag != "br":
            self._break()

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """The visible text of an HTML document: tags, scripts and styles dropped, entities decoded,
    block elements on their own lines, runs of spaces and blank lines collapsed."""
    parser = _HTMLText()
    parser.feed(html)
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.parts).split("\n")]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


@dataclass
class _MailParts:
    bodies: list[str] = field(default_factory=list)
    attachments: list[EmailAttachment] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _payload(part: Message) -> bytes:
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def _text_of(part: Message, parts: _MailParts) -> str:
    text, clean = decode_bytes(_payload(part), part.get_content_charset())
    if not clean:
        parts.problems.append(f"Some text in a {part.get_content_type()} part could not be decoded.")
    text = _newlines(text)
    return html_to_text(text) if part.get_content_type() == "text/html" else text.strip()


def _is_attachment(part: Message) -> bool:
    return part.get_content_disposition() == "attachment" or bool(_filename(part))


_EXTENSIONS = {
    "text/calendar": ".ics",
    "text/vcard": ".vcf",
    "text/x-vcard": ".vcf",
    "message/rfc822": ".eml",
}
"""File name endings for MIME types Python's built-in table lacks."""


@functools.cache
def _mime_table() -> mimetypes.MimeTypes:
    """Python's built-in MIME table only (not /etc/mime.types), so names do not vary between machines."""
    return mimetypes.MimeTypes()


def _extension(mime: str) -> str:
    return _EXTENSIONS.get(mime) or _mime_table().guess_extension(mime) or ".bin"


def _attach(part: Message, parts: _MailParts) -> None:
    mime = part.get_content_type()
    name = _filename(part)
    if mime == "message/rfc822":
        inner = part.get_payload()
        message = inner[0] if isinstance(inner, list) and inner else None
        data = b""
        if isinstance(message, Message):
            try:
                data = message.as_bytes(policy=policy.default)
            except Exception:  # the generator can fail on any malformed header; keep the rest
                parts.problems.append("A forwarded message could not be re-serialised.")
            if not name:
                subject = decode_header_value(_raw_header(message, "subject"))
                name = f"{subject or 'message'}.eml"
    else:
        data = _payload(part)
    if not name:
        extension = _extension(mime)
        name = f"attachment-{len(parts.attachments) + 1}{extension}"
    parts.attachments.append(EmailAttachment(name, mime, data))


def _collect(part: Message, parts: _MailParts, depth: int = 0) -> None:
    """Walk the MIME tree: bodies from text parts (plain preferred among alternatives), the rest as
    attachments; forwarded messages stay whole."""
    if depth > MAX_MIME_DEPTH:
        parts.problems.append("The message nests too deeply; the innermost parts were skipped.")
        return
    mime = part.get_content_type()
    if mime == "message/rfc822" or (not part.is_multipart() and _is_attachment(part)):
        _attach(part, parts)
        return
    if part.is_multipart():
        children = [child for child in part.get_payload() if isinstance(child, Message)]
        if mime == "multipart/alternative":
            _collect_alternative(children, parts, depth)
        else:
            for child in children:
                _collect(child, parts, depth + 1)
        return
    if mime in ("text/plain", "text/html"):
        text = _text_of(part, parts)
        if text:
            parts.bodies.append(text)
        return
    _attach(part, parts)  # a calendar invitation, an inline image without a name...


def _collect_alternative(children: list[Message], parts: _MailParts, depth: int) -> None:
    """Of alternatives, the first text/plain that has text, else the richest other one."""
    ranked = sorted(children, key=lambda child: 0 if child.get_content_type() == "text/plain" else 1)
    for child in ranked:
        trial = _MailParts()
        _collect(child, trial, depth + 1)
        if trial.bodies:
            parts.bodies.extend(trial.bodies)
            parts.attachments.extend(trial.attachments)
            parts.problems.extend(trial.problems)
            return


def parse_eml(data: bytes) -> EmailDoc:
    """Read an e-mail file (RFC 5322 bytes) into an `EmailDoc`.

    Never raises on a malformed message: a missing Date gives ``date=None``, missing headers give
    empty strings, a message without a text part gives an empty body, and each such problem is listed
    in `EmailDoc.problems`. Chinese subjects, names and file names in GB2312/GBK/GB18030, UTF-8,
    encoded words, RFC 2231 parameters or raw 8-bit all decode.
    """
    message = BytesParser(policy=policy.default).parsebytes(data)
    assert isinstance(message, EmailMessage)
    problems: list[str] = []
    subject = decode_header_value(_raw_header(message, "subject"))
    senders = _addresses(_raw_headers(message, "from")) or _addresses(_raw_headers(message, "sender"))
    if not senders:
        problems.append("The message has no From header.")
    recipients = _addresses(_raw_headers(message, "to") + _raw_headers(message, "cc"))
    date = _date(_raw_header(message, "date"), problems)
    parts = _MailParts()
    try:
        _collect(message, parts)
    except Exception as exc:  # the email package raises many kinds of errors on broken MIME; keep the headers
        problems.append(f"The message body could not be read: {exc}")
    if not parts.bodies:
        problems.append("The message has no text body.")
    problems.extend(parts.problems)
    problems.extend(f"Malformed message: {defect.__class__.__name__}" for defect in message.defects)
    return EmailDoc(
        subject=subject,
        sender=senders[0] if senders else "",
        recipients=recipients,
        date=date,
        body="\n\n".join(parts.bodies),
        attachments=parts.attachments,
        message_id=_raw_header(message, "message-id").strip(),
        problems=problems,
    )


def email_text(mail: EmailDoc) -> str:
    """An e-mail as searchable text: the headers that matter, the body, and the attachments' names."""
    lines = [f"Subject: {mail.subject}", f"From: {mail.sender}"]
    if mail.recipients:
        lines.append(f"To: {', '.join(mail.recipients)}")
    if mail.date is not None:
        lines.append(f"Date: {mail.date.isoformat()}")
    lines.extend(["", mail.body])
    if mail.attachments:
        lines.extend(["", "Attachments: " + ", ".join(a.name for a in mail.attachments)])
    return "\n".join(lines).strip()


# --- Word ------------------------------------------------------------------------------------------------


def _local(tag: str) -> str:
    """An element's name without namespace (transitional and strict OOXML use different ones)."""
    return tag.rsplit("}", 1)[-1]


def _paragraph_text(element: ElementTree.Element) -> str:
    parts: list[str] = []

    def walk(node: ElementTree.Element) -> None:
        for child in node:
            name = _local(child.tag)
            if name == "t":
                parts.append(child.text or "")
            elif name == "tab":
                parts.append("\t")
            elif name in ("br", "cr"):
                parts.append("\n")
            elif name == "noBreakHyphen":
                parts.append("-")
            elif name not in ("Fallback", "del", "instrText", "delText"):
                walk(child)  # runs, hyperlinks, insertions, content controls; not the fallback copy

    walk(element)
    return "".join(parts)


def _block_lines(element: ElementTree.Element, lines: list[str]) -> None:
    for child in element:
        name = _local(child.tag)
        if name == "p":
            lines.append(_paragraph_text(child))
        elif name == "tbl":
            for row in child:
                if _local(row.tag) != "tr":
                    continue
                cells = []
                for cell in row:
                    if _local(cell.tag) == "tc":
                        cell_lines: list[str] = []
                        _block_lines(cell, cell_lines)
                        cells.append(" ".join(line for line in cell_lines if line.strip()))
                lines.append("\t".join(cells))
        elif name != "sectPr":
            _block_lines(child, lines)


def docx_text(data: bytes) -> str:
    """The text of a Word .docx: paragraphs one per line, table rows with cells separated by tabs.

    Reads word/document.xml only (not headers, footers or comments); deleted tracked changes and field
    codes are left out. Raises ValueError when the bytes are not a readable .docx.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            info = archive.getinfo("word/document.xml")
            if info.file_size > MAX_DOCX_XML_BYTES:
                raise ValueError("The document is too large to read.")
            with archive.open(info) as stream:
                xml = stream.read(MAX_DOCX_XML_BYTES + 1)
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, NotImplementedError) as exc:
        raise ValueError(f"Not a readable Word document: {exc}") from None
    if len(xml) > MAX_DOCX_XML_BYTES:
        raise ValueError("The document is too large to read.")
    if b"<!DOCTYPE" in xml or b"<!ENTITY" in xml:
        raise ValueError("The document declares XML entities, which Word never writes; not read.")
    try:
        root = ElementTree.fromstring(xml)
    except ElementTree.ParseError as exc:
        raise ValueError(f"The document's XML is damaged: {exc}") from None
    lines: list[str] = []
    for child in root:
        if _local(child.tag) == "body":
            _block_lines(child, lines)
    text = "\n".join(line.rstrip() for line in lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


# --- PDF -------------------------------------------------------------------------------------------------


def pdf_text(data: bytes) -> Extraction:
    """The text layer of a PDF through pypdf, if it is installed; otherwise empty text and the reason."""
    try:
        import pypdf
    except ImportError:
        return Extraction("", "pdf", PDF_NEEDS_PYPDF)
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            return Extraction("", "pdf", "The PDF is password-protected.")
        pages = [page.extract_text() or "" for page in reader.pages]
    except Exception as exc:  # pypdf raises many kinds of errors on damaged files
        return Extraction("", "pdf", f"The PDF could not be read: {exc}")
    text = "\n\n".join(page.strip() for page in pages if page.strip())
    if not text:
        return Extraction(
            "", "pdf", "The PDF has no text layer (a scan?); text recognition is not supported."
        )
    return Extraction(text, "pdf")


# --- any file --------------------------------------------------------------------------------------------


def _sniff(data: bytes, suffix: str) -> str:
    if suffix in TEXT_SUFFIXES:
        return "text"
    if suffix == ".eml":
        return "eml"
    if suffix in (".docx", ".docm"):
        return "docx"
    if suffix == ".pdf" or data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04") and b"word/document.xml" in data[:65536]:
        return "docx"
    return "unknown"


def extract(source: bytes | str | os.PathLike[str], name: str | None = None) -> Extraction:
    """Take the text out of a file given by path or as bytes; `name` (or the path) gives its type.

    Never raises for a bad file: empty text and a reason instead. Raises OSError only when a path
    cannot be read.
    """
    too_large = Extraction(
        "", "unknown", f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; not read."
    )
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        if len(data) > MAX_FILE_BYTES:
            return too_large
    else:
        path = Path(source)
        name = name or path.name
        if path.stat().st_size > MAX_FILE_BYTES:
            return too_large
        data = path.read_bytes()
    suffix = PurePath(name or "").suffix.lower()
    result = _extract(data, _sniff(data, suffix), suffix)
    if len(result.text) > MAX_TEXT_CHARS:
        cut = f"The text was cut to its first {MAX_TEXT_CHARS:,} characters."
        return Extraction(result.text[:MAX_TEXT_CHARS], result.kind, cut, result.encoding)
    return result


def _extract(data: bytes, kind: str, suffix: str) -> Extraction:
    if kind == "text":
        text, encoding = decode_text(data)
        reason = "Some bytes could not be decoded." if encoding == "utf-8 (replaced)" else ""
        return Extraction(text, kind, reason, encoding)
    if kind == "eml":
        mail = parse_eml(data)
        return Extraction(email_text(mail), kind, "; ".join(mail.problems))
    if kind == "docx":
        try:
            return Extraction(docx_text(data), kind)
        except ValueError as exc:
            return Extraction("", kind, str(exc))
    if kind == "pdf":
        return pdf_text(data)
    what = f"'{suffix}' files" if suffix else "files without a known ending"
    return Extraction("", "unknown", f"Text cannot be taken out of {what}.")


def extract_text(source: bytes | str | os.PathLike[str], name: str | None = None) -> str:
    """The text of a file, or "" when it has none that can be read (see `extract` for the reason)."""
    return extract(source, name).text
