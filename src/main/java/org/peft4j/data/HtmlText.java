package org.peft4j.data;

import java.util.Locale;
import java.util.Set;

/**
 * The words of an HTML text without its markup, in one linear pass (crude, no DOM): comments,
 * {@code <script>} and {@code <style>} blocks and tags are dropped, common entities are decoded,
 * and whitespace goes as a browser shows it: runs of spaces, tabs and source line breaks become
 * one space, block tags ({@code <br>}, {@code <p>}, {@code <div>}, {@code <tr>}, ...) become line
 * breaks, lines are trimmed and at most one empty line stays in a row. A {@code <} that opens no
 * tag (e.g. {@code a < b}) stays.
 */
final class HtmlText {
    private static final Set<String> BLOCK_TAGS = Set.of("br", "p", "div", "tr", "li", "ul", "ol", "table",
            "blockquote", "title", "h1", "h2", "h3", "h4", "h5", "h6", "hr");
    private static final Set<String> HIDDEN_TAGS = Set.of("script", "style");
    private static final int LONGEST_ENTITY = 10;

    private HtmlText() {}

    /** True if {@code text} contains {@code <html} in any letter case. */
    static boolean looksLikeHtml(String text) {
        for (int at = text.indexOf('<'); at >= 0; at = text.indexOf('<', at + 1)) {
            if (text.regionMatches(true, at, "<html", 0, 5)) return true;
        }
        return false;
    }

    static String strip(String html) {
        var text = new StringBuilder(html.length());
        int at = 0;
        while (at < html.length()) {
            char c = html.charAt(at);
            int next = c == '<' ? skipMarkup(html, at, text) : c == '&' ? decodeEntity(html, at, text) : -1;
            if (next < 0) {
                text.append(c == '\n' || c == '\r' || c == '\t' ? ' ' : c);
                next = at + 1;
            }
            at = next;
        }
        return tidy(text);
    }

    /** Skips the markup at {@code html[at] == '<'}, appending a line break for a block tag; -1 if it is no markup. */
    private static int skipMarkup(String html, int at, StringBuilder text) {
        if (html.startsWith("<!--", at)) return endAfter(html, "-->", at + 4);
        int close = at + 1;
        while (close < html.length() && html.charAt(close) != '>' && html.charAt(close) != '<') close++;
        if (close == html.length() || html.charAt(close) == '<') return -1;
        boolean closing = at + 1 < close && html.charAt(at + 1) == '/';
        int nameStart = at + (closing ? 2 : 1);
        int nameEnd = nameStart;
        while (nameEnd < close && Character.isLetterOrDigit(html.charAt(nameEnd))) nameEnd++;
        char first = nameStart < close ? html.charAt(nameStart) : ' ';
        if (nameEnd == nameStart || !Character.isLetter(first)) {
            return !closing && (first == '!' || first == '?') ? close + 1 : -1;
        }
        String name = html.substring(nameStart, nameEnd).toLowerCase(Locale.ROOT);
        if (!closing && HIDDEN_TAGS.contains(name)) {
            int end = indexOfIgnoreCase(html, "</" + name, close);
            return end < 0 ? html.length() : endAfter(html, ">", end);
        }
        if (BLOCK_TAGS.contains(name)) text.append('\n');
        return close + 1;
    }

    /** Decodes the entity at {@code html[at] == '&'}; -1 if it is none of the known ones. */
    private static int decodeEntity(String html, int at, StringBuilder text) {
        int semicolon = at + 1;
        int limit = Math.min(html.length(), at + LONGEST_ENTITY);
        while (semicolon < limit && html.charAt(semicolon) != ';') semicolon++;
        if (semicolon == limit) return -1;
        String name = html.substring(at + 1, semicolon);
        String decoded = switch (name) {
            case "nbsp" -> " ";
            case "amp" -> "&";
            case "lt" -> "<";
            case "gt" -> ">";
            case "quot" -> "\"";
            case "apos" -> "'";
            default -> numericEntity(name);
        };
        if (decoded == null) return -1;
        text.append(decoded);
        return semicolon + 1;
    }

    private static String numericEntity(String name) {
        boolean hex = name.startsWith("#x") || name.startsWith("#X");
        String digits = name.substring(Math.min(name.length(), hex ? 2 : 1));
        if (!name.startsWith("#") || digits.isEmpty()) return null;
        try {
            int code = Integer.parseInt(digits, hex ? 16 : 10);
            return Character.isValidCodePoint(code) && code != 0 ? Character.toString(code) : null;
        } catch (NumberFormatException notNumeric) {
            return null;
        }
    }

    private static int endAfter(String html, String terminator, int from) {
        int end = html.indexOf(terminator, from);
        return end < 0 ? html.length() : end + terminator.length();
    }

    private static int indexOfIgnoreCase(String text, String wanted, int from) {
        for (int at = text.indexOf('<', from); at >= 0; at = text.indexOf('<', at + 1)) {
            if (text.regionMatches(true, at, wanted, 0, wanted.length())) return at;
        }
        return -1;
    }

    /** One space for each run of blanks (space, no-break space), lines trimmed, at most one empty line in a row. */
    private static String tidy(CharSequence text) {
        var tidy = new StringBuilder(text.length());
        int lineBreaks = 0;
        boolean blank = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\n') {
                lineBreaks++;
            } else if (c == ' ' || c == '\u00A0') {
                blank = true;
            } else {
                if (!tidy.isEmpty()) tidy.append(lineBreaks > 1 ? "\n\n" : lineBreaks == 1 ? "\n" : blank ? " " : "");
                tidy.append(c);
                lineBreaks = 0;
                blank = false;
            }
        }
        return tidy.toString();
    }
}
