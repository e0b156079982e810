package org.peft4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Without a terminal, progress is one line per tenth of the work. */
class ProgressReportTest {
    @Test
    void reportsEachTenthOnceAndTheEnd() {
        List<String> lines = new ArrayList<>();
        try (ProgressReport progress = ProgressReport.lines("features", 37, lines::add)) {
            for (int done = 4; done <= 37; done += 4) progress.stepTo(done);
            progress.stepTo(37);
            progress.stepTo(37);
        }
        assertEquals(10, lines.size(), lines.toString());
        assertTrue(lines.getFirst().startsWith("features: 4/37 (10%), "), lines.getFirst());
        assertTrue(lines.getLast().startsWith("features: 37/37 (100%), ") && lines.getLast().endsWith(" 0s left"), lines.getLast());
        assertEquals(List.of(4, 8, 12, 16, 20, 24, 28, 32, 36, 37),
                lines.stream().map(l -> Integer.parseInt(l.substring("features: ".length(), l.indexOf('/')))).toList(),
                "one line per tenth reached, the repeated end once");
    }

    @Test
    void bigJumpsReportOnce() {
        List<String> lines = new ArrayList<>();
        try (ProgressReport progress = ProgressReport.lines("x", 1000, lines::add)) {
            progress.stepTo(5);
            progress.stepTo(999);
        }
        assertEquals(1, lines.size());
        assertTrue(lines.getFirst().startsWith("x: 999/1000 (99%)"), lines.getFirst());
    }
}
