package org.peft4j.data;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.file.Files;
import java.nio.file.Path;
import org.peft4j.testing.Fuzzing;

/**
 * The dataset file parsers on arbitrary bytes: a SpamAssassin mail always becomes text; a SOTU
 * speech or an MNIST digit file is read or rejected with {@link MalformedDatasetException} naming
 * the file. Seeds and findings: {@code src/test/resources/org/peft4j/data/DatasetFilesFuzzTestInputs/<method>/}.
 */
class DatasetFilesFuzzTest {
    private static final Path SPEECH = Fuzzing.scratchFile("1790_Washington_None.json");
    private static final Path DIGITS = Fuzzing.scratchFile("7.json");

    @FuzzTest(maxDuration = "60s")
    void spamAssassinMail(byte[] mail) {
        if (MailText.of(mail) == null) throw new AssertionError("no text");
    }

    @FuzzTest(maxDuration = "60s")
    void sotuSpeech(byte[] json) throws Exception {
        Files.write(SPEECH, json);
        Fuzzing.onlyThrows(() -> Sotu.speech(SPEECH), MalformedDatasetException.class);
    }

    @FuzzTest(maxDuration = "60s")
    void mnistDigits(byte[] json) throws Exception {
        Files.write(DIGITS, json);
        Fuzzing.onlyThrows(() -> Mnist.digitFile(DIGITS), MalformedDatasetException.class);
    }
}
