package org.peft4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Passages join whole sentences until they reach the word count; a short tail joins the last passage. */
class SotuPassagesTest {
    @Test
    void joinsSentencesUpToTheWordCount() {
        Speech s = new Speech(1999, "P", "X", "One two three. Four five! Six seven eight nine? Ten.  Eleven twelve.");
        List<SotuPassages.Passage> p = SotuPassages.of(s, 4);
        assertEquals(List.of(new SotuPassages.Passage(1999, "One two three. Four five!"),
                new SotuPassages.Passage(1999, "Six seven eight nine? Ten. Eleven twelve.")), p);
        assertEquals(List.of(new SotuPassages.Passage(1999, "Short one.")), SotuPassages.of(new Speech(1999, "P", "X", "Short one."), 50));
        assertThrows(IllegalArgumentException.class, () -> SotuPassages.of(s, 0));
    }
}
