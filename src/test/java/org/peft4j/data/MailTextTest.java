package org.peft4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MailTextTest {

    private static String of(String mail) {
        return MailText.of(mail.getBytes(StandardCharsets.UTF_8));
    }

    /** A mail whose bytes are the characters of {@code mail} taken as ISO-8859-1 (one byte each). */
    private static String ofBytes(String mail) {
        return MailText.of(mail.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void headersGoUpToTheFirstEmptyLineAndOnlyTheUnfoldedSubjectStays() {
        String mail = """
                From someone@example.org  Thu Aug 22 13:17:22 2002
                Return-Path: <someone@example.org>
                Received: from host
                \tby relay; Thu, 22 Aug 2002
                Subject: Meeting moved
                   to Friday
                To: you@example.org

                Hi,
                Subject: this line is body text, not a header.
                """;
        assertEquals("Subject: Meeting moved to Friday\nHi,\nSubject: this line is body text, not a header.\n", of(mail));
    }

    @Test
    void crlfLineEndsBecomeLf() {
        assertEquals("Subject: Hello\nline 1\nline 2\n", of("Subject: Hello\r\nX-Mailer: x\r\n\r\nline 1\r\nline 2\r\n"));
    }

    @Test
    void mailWithoutSubjectIsItsBodyAndMailWithoutEmptyLineIsAllHeaders() {
        assertEquals("body only\n", of("From: a@example.org\nTo: b@example.org\n\nbody only\n"));
        assertEquals("Subject: no body\n", of("From: a@example.org\nSubject: no body\n"));
        assertEquals("", of(""));
        assertEquals("starts with an empty line\nKey: value\n", of("\nstarts with an empty line\nKey: value\n"));
    }

    @Test
    void firstSubjectWinsAndHeaderNamesIgnoreCase() {
        assertEquals("Subject: first\nb", of("SUBJECT: first\nsubject: second\n\nb"));
    }

    @Test
    void quotedPrintableBodyLosesSoftBreaksAndDecodesBytes() {
        String mail = "Subject: qp\nContent-Transfer-Encoding: Quoted-Printable\n\n"
                + "soft=\nbreak, crlf soft=\r\nbreak, caf=C3=A9 =3D equals, bad =ZZ stays, trailing =";
        assertEquals("Subject: qp\nsoftbreak, crlf softbreak, café = equals, bad =ZZ stays, trailing =", of(mail));
        assertEquals("Subject: plain\nkeep =3D and soft=\nbreaks", of("Subject: plain\n\nkeep =3D and soft=\nbreaks"));
    }

    @Test
    void bytesAreUtf8ElseDeclaredCharsetElseLatin1() {
        assertEquals("Subject: grüße\nnaïve café", of("Subject: grüße\n\nnaïve café"));
        // 0x93/0x94 are curly quotes in windows-1252 and C1 controls in ISO-8859-1.
        assertEquals("Subject: \u201Cquoted\u201D\n\u201Cbody\u201D",
                ofBytes("Subject: \u0093quoted\u0094\nContent-Type: text/plain; charset=\"windows-1252\"\n\n\u0093body\u0094"));
        assertEquals("Subject: caf\u00E9\nna\u00EFve \u0093",
                ofBytes("Subject: caf\u00E9\nContent-Type: text/plain; charset=no-such-charset\n\nna\u00EFve \u0093"));
        assertEquals("r\u00E9sum\u00E9 \u00FF", ofBytes("To: x\n\nr\u00E9sum\u00E9 \u00FF"));
    }

    @Test
    void invalidBytesInTheDeclaredCharsetFallBackToLatin1() {
        // 0xFF is not valid in UTF-8 nor in US-ASCII: nothing may be replaced or lost.
        assertEquals("x\u00FFy", ofBytes("Content-Type: text/plain; charset=us-ascii\n\nx\u00FFy"));
    }

    @Test
    void htmlBodyKeepsItsWordsOnly() {
        String mail = """
                Subject: Offer
                Content-Type: text/html; charset="iso-8859-1"

                <HTML><HEAD><STYLE>p { color: red }</STYLE></HEAD>
                <BODY><P>Save&nbsp;70% &amp; more</P><!-- tracking -->
                <b>Click</b> <A HREF="http://example.com">here</A><BR>now</BODY></HTML>
                """;
        assertEquals("Subject: Offer\nSave 70% & more\nClick here\nnow", of(mail));
    }

    @Test
    void plainBodyContainingAnHtmlDocumentIsStrippedToo() {
        // MIME parts are not parsed: the whole body is treated as HTML, part headers included.
        assertEquals("Subject: multipart\n--b Content-Type: text/html hi there",
                of("Subject: multipart\nContent-Type: multipart/alternative; boundary=b\n\n--b\nContent-Type: text/html\n\n<html><i>hi</i> there</html>"));
    }

    @Test
    void plainBodyKeepsAngleBrackets() {
        assertEquals("Subject: re\n<someone@example.org> wrote: <g>", of("Subject: re\n\n<someone@example.org> wrote: <g>"));
    }
}
