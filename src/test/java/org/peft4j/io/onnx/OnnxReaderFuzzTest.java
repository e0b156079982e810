package org.peft4j.io.onnx;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.peft4j.testing.Fuzzing;

/**
 * The ONNX initializer reader on arbitrary bytes: a graph, or {@link OnnxFormatException}; every
 * decoded tensor holds exactly the values its dims promise. Seeds and findings:
 * {@code src/test/resources/org/peft4j/io/onnx/OnnxReaderFuzzTestInputs/}.
 */
class OnnxReaderFuzzTest {
    @FuzzTest(maxDuration = "60s")
    void readsOrRejects(byte[] model) throws Exception {
        Fuzzing.onlyThrows(() -> {
            OnnxGraph graph = OnnxReader.parse(model);
            for (OnnxTensor t : graph.initializers().values()) {
                long values = t.floats() != null ? t.floats().length : t.longs() != null ? t.longs().length : t.size();
                if (values != t.size()) throw new AssertionError(t + " holds " + values + " values");
            }
        }, OnnxFormatException.class);
    }
}
