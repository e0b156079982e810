package org.peft4j.codebook;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.peft4j.backend.jvm.JvmBackend;
import org.peft4j.tensor.Tensor;

/** Codebook-compressed LoRA factors: exactness at K = #rows, error falling with K, the byte count. */
class AdapterCompressionTest {
    private static final JvmBackend OPS = new JvmBackend(2);

    private static Map<String, LoraFile.Factors> modules() {
        Map<String, LoraFile.Factors> m = new LinkedHashMap<>();
        m.put("q", new LoraFile.Factors(Tensor.normal(1, 1f, 3, 16), Tensor.normal(2, 1f, 7, 3), 2f));
        m.put("v", new LoraFile.Factors(Tensor.normal(3, 1f, 3, 16), Tensor.normal(4, 1f, 7, 3), 2f));
        m.put("o", new LoraFile.Factors(Tensor.normal(5, 1f, 3, 7), Tensor.normal(6, 1f, 16, 3), 2f));
        return m;
    }

    @Test
    void asManyCodesAsRowsIsLossless() {
        var c = AdapterCompression.compress(OPS, modules(), 6, 0, 10, 1);
        modules().forEach((name, f) -> {
            assertArrayEquals(f.a().toArray(), c.modules().get(name).a().toArray(), 1e-6f);
            assertArrayEquals(f.b().toArray(), c.modules().get(name).b().toArray(), 1e-6f);
            assertEquals(2f, c.modules().get(name).scaling());
        });
        assertEquals(0, c.deltaError(), 1e-10);
        assertEquals(4L * (3 * 16 * 2 + 7 * 3 * 2 + 3 * 7 + 16 * 3), c.originalBytes());
    }

    @Test
    void bytesCountCodebooksAndPackedIndices() {
        // A rows: width 16 (6 rows) and width 7 (3 rows); B columns: width 7 (6) and 16 (3); K = 2 → 1 bit per index
        var c = AdapterCompression.compress(OPS, modules(), 2, 0, 10, 1);
        long codebooks = 4L * (2 * 16 + 2 * 7 + 2 * 7 + 2 * 16);
        long indices = 1 + 1 + 1 + 1; // ⌈6/8⌉ + ⌈3/8⌉ + ⌈6/8⌉ + ⌈3/8⌉
        assertEquals(codebooks + indices, c.bytes());
        double previous = Double.POSITIVE_INFINITY;
        for (int k : new int[] {1, 2, 4, 6}) {
            double error = AdapterCompression.compress(OPS, modules(), k, 0, 20, 1).deltaError();
            assertTrue(error <= previous + 1e-9, "K = " + k + ": error " + error + " > " + previous);
            previous = error;
        }
    }

    @Test
    void subVectorsCutRowsIntoPieces() {
        var f = Map.of("q", new LoraFile.Factors(Tensor.normal(1, 1f, 3, 16), Tensor.normal(2, 1f, 8, 3), 1f));
        var lossless = AdapterCompression.compress(OPS, f, 12, 4, 10, 1); // A: 12 pieces of 4, Bᵀ: 6 pieces of 4
        assertEquals(0, lossless.deltaError(), 1e-10);
        assertEquals(4L * (12 * 4 + 6 * 4) + (12 * 4 + 7) / 8 + (6 * 3 + 7) / 8, lossless.bytes());
        var lossy = AdapterCompression.compress(OPS, f, 3, 4, 10, 1);
        assertTrue(lossy.deltaError() > 0.01, "3 codes for 12 random pieces must lose something: " + lossy.deltaError());
        var e = assertThrows(IllegalArgumentException.class, () -> AdapterCompression.compress(OPS, modules(), 4, 5, 10, 1));
        assertTrue(e.getMessage().contains("does not divide row width 16"), e.getMessage());
    }
}
