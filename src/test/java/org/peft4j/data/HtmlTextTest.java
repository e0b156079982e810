package org.peft4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class HtmlTextTest {

    @Test
    void tagsCommentsScriptsAndStylesGo() {
        assertEquals("Hello world",
                HtmlText.strip("<!DOCTYPE html><?xml version=\"1.0\"?><html><head><title></title><script type=x>if (a<b) alert('<p>')</SCRIPT>"
                        + "<style>b{}</style></head><body>Hello <!-- <b>gone</b> --><b>world</b></body></html>"));
    }

    @Test
    void whitespaceCollapsesLikeABrowserAndBlockTagsBreakLines() {
        assertEquals("one\ntwo\n\nthree\nfour five", HtmlText.strip("one<br>two<p></p><P>  three </p>\n\n\n<span>four</span>\r\n\tfive"));
        assertEquals("five\n\nsix", HtmlText.strip("five<br>\n<br>six"));
        assertEquals("a b", HtmlText.strip("  a&nbsp;\u00A0b  "));
        assertEquals("Save up to\n70% now", HtmlText.strip("<td>Save  up\nto</td><TR><td>70%\n\n now"));
    }

    @Test
    void entitiesDecodeAndUnknownOnesStay() {
        assertEquals("<a> & \"b\" 'c' é A \uD83D\uDE00 &foo; AT&T &#0; &#xZZ; &",
                HtmlText.strip("&lt;a&gt; &amp; &quot;b&quot; &apos;c&apos; &#233; &#x41; &#x1F600; &foo; AT&T &#0; &#xZZ; &"));
    }

    @Test
    void lessThanThatOpensNoTagStays() {
        assertEquals("a < b and c > d", HtmlText.strip("a < b and c > d"));
        assertEquals("x<y", HtmlText.strip("x<y"));
        assertEquals("1 <2 <b", HtmlText.strip("1 <2 <b"));
    }

    @Test
    void unterminatedCommentOrScriptDropsTheRest() {
        assertEquals("kept", HtmlText.strip("kept<!-- never closed <b>x</b>"));
        assertEquals("kept", HtmlText.strip("kept<script>never closed"));
    }

    @Test
    void htmlIsRecognisedInAnyCase() {
        assertTrue(HtmlText.looksLikeHtml("text <HtMl lang=en>"));
        assertFalse(HtmlText.looksLikeHtml("text <htm> html"));
    }
}
