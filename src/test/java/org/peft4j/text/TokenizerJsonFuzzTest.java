package org.peft4j.text;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import org.peft4j.testing.Fuzzing;

/**
 * tokenizer.json on arbitrary bytes: a tokenizer that can encode a sentence, or
 * {@link TokenizerFormatException}. Seeds and findings:
 * {@code src/test/resources/org/peft4j/text/TokenizerJsonFuzzTestInputs/}.
 */
class TokenizerJsonFuzzTest {
    @FuzzTest(maxDuration = "60s")
    void readsOrRejects(byte[] json) throws Exception {
        Fuzzing.onlyThrows(() -> {
            WordPieceTokenizer tokenizer = WordPieceTokenizer.fromJson(new ByteArrayInputStream(json));
            for (int id : tokenizer.encode("Hello, [MASK] wörld unaffable!").ids()) tokenizer.token(id);
        }, TokenizerFormatException.class);
    }
}
