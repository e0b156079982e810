package org.peft4j.data;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The model input of a raw RFC 822 mail: {@code "Subject: <subject>\n" + body}, headers dropped.
 * Crude on purpose (MIME parts are not parsed, RFC 2047 encoded words are left as they are):
 * <ul>
 *   <li>the headers end at the first empty line; a mail without one is all headers;</li>
 *   <li>folded header lines are unfolded; only the Subject survives, as the first line
 *       (omitted when the mail has none);</li>
 *   <li>a body whose top-level {@code Content-Transfer-Encoding} is quoted-printable is decoded
 *       (soft line breaks removed, {@code =XX} to its byte);</li>
 *   <li>the Subject and the body are read as UTF-8 when they are valid UTF-8, else in the
 *       top-level {@code Content-Type} charset when Java knows it and the bytes are valid in it,
 *       else as ISO-8859-1, which keeps every byte as one character; CRLF becomes LF;</li>
 *   <li>an HTML body (top-level {@code Content-Type: text/html}, or containing {@code <html})
 *       keeps its words and loses its markup, see {@link HtmlText}.</li>
 * </ul>
 */
public final class MailText {
    private static final Pattern CHARSET = Pattern.compile("(?i)\\bcharset\\s*=\\s*\"?([^\\s\";]+)");

    private MailText() {}

    public static String of(byte[] mail) {
        int[] bounds = headerBounds(mail);
        Map<String, String> headers = headers(new String(mail, 0, bounds[0], StandardCharsets.ISO_8859_1));
        String contentType = headers.getOrDefault("content-type", "").toLowerCase(Locale.ROOT);
        Charset declared = declaredCharset(contentType);
        byte[] body = Arrays.copyOfRange(mail, bounds[1], mail.length);
        if (headers.getOrDefault("content-transfer-encoding", "").toLowerCase(Locale.ROOT).startsWith("quoted-printable")) {
            body = decodeQuotedPrintable(body);
        }
        String text = decode(body, declared).replace("\r\n", "\n");
        if (contentType.startsWith("text/html") || HtmlText.looksLikeHtml(text)) {
            text = HtmlText.strip(text);
        }
        String subject = headers.get("subject");
        return subject == null ? text
                : "Subject: " + decode(subject.getBytes(StandardCharsets.ISO_8859_1), declared) + "\n" + text;
    }

    /** {end of the headers, start of the body}: around the first empty line, else both at the end. */
    private static int[] headerBounds(byte[] mail) {
        int line = 0;
        while (line < mail.length) {
            if (mail[line] == '\n') return new int[] {line, line + 1};
            if (mail[line] == '\r' && line + 1 < mail.length && mail[line + 1] == '\n') return new int[] {line, line + 2};
            while (line < mail.length && mail[line] != '\n') line++;
            line++;
        }
        return new int[] {mail.length, mail.length};
    }

    /** Unfolded headers by lower-case name; the first occurrence of a name wins. */
    private static Map<String, String> headers(String block) {
        var unfolded = new ArrayList<String>();
        for (String line : block.replace("\r\n", "\n").split("\n")) {
            boolean continuation = !line.isEmpty() && (line.charAt(0) == ' ' || line.charAt(0) == '\t');
            if (continuation && !unfolded.isEmpty()) {
                unfolded.set(unfolded.size() - 1, unfolded.getLast() + " " + line.strip());
            } else {
                unfolded.add(line);
            }
        }
        var headers = new HashMap<String, String>();
        for (String header : unfolded) {
            int colon = header.indexOf(':');
            if (colon > 0) {
                headers.putIfAbsent(header.substring(0, colon).strip().toLowerCase(Locale.ROOT), header.substring(colon + 1).strip());
            }
        }
        return headers;
    }

    /** The {@code charset} parameter of a Content-Type, if Java supports it; else null. */
    private static Charset declaredCharset(String contentType) {
        Matcher charset = CHARSET.matcher(contentType);
        if (!charset.find()) return null;
        try {
            return Charset.forName(charset.group(1));
        } catch (IllegalArgumentException unknown) {
            return null;
        }
    }

    /** UTF-8 if the bytes are valid UTF-8, else {@code declared} if they are valid in it, else ISO-8859-1 (nothing lost). */
    private static String decode(byte[] bytes, Charset declared) {
        for (Charset charset : declared == null ? List.of(StandardCharsets.UTF_8) : List.of(StandardCharsets.UTF_8, declared)) {
            try {
                return charset.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
            } catch (CharacterCodingException invalid) {
                // try the next charset
            }
        }
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    private static byte[] decodeQuotedPrintable(byte[] encoded) {
        var decoded = new ByteArrayOutputStream(encoded.length);
        for (int i = 0; i < encoded.length; i++) {
            if (encoded[i] == '=') {
                int rest = encoded.length - i - 1;
                if (rest >= 1 && encoded[i + 1] == '\n') { i += 1; continue; }
                if (rest >= 2 && encoded[i + 1] == '\r' && encoded[i + 2] == '\n') { i += 2; continue; }
                int high = rest >= 2 ? Character.digit(encoded[i + 1], 16) : -1;
                int low = rest >= 2 ? Character.digit(encoded[i + 2], 16) : -1;
                if (high >= 0 && low >= 0) { decoded.write(high << 4 | low); i += 2; continue; }
            }
            decoded.write(encoded[i]);
        }
        return decoded.toByteArray();
    }
}
