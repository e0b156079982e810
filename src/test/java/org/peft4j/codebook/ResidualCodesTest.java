package org.peft4j.codebook;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.peft4j.backend.jvm.JvmBackend;
import org.peft4j.tensor.Tensor;

/** Residual codes, packed indices and recall@k. */
class ResidualCodesTest {
    private static final JvmBackend OPS = new JvmBackend(2);

    @Test
    void decodeSumsTheStagesAndMoreStagesLowerTheError() {
        Tensor x = Tensor.normal(1, 1f, 517, 7);
        double previous = Double.POSITIVE_INFINITY;
        for (int stages = 1; stages <= 3; stages++) {
            ResidualCodes codes = ResidualCodes.fit(OPS, x, 16, stages, 15, 3);
            Tensor decoded = codes.decode(OPS);
            for (int i = 0; i < 5; i++) {
                for (int t = 0; t < 7; t++) {
                    double sum = 0;
                    for (int s = 0; s < stages; s++) sum += codes.codebooks().get(s).at(codes.codes().get(s).data()[i] * 7 + t);
                    assertEquals(sum, decoded.at(i * 7 + t), 1e-5);
                }
            }
            double error = 0;
            for (int i = 0; i < x.size(); i++) error += Math.pow(x.at(i) - decoded.at(i), 2);
            assertTrue(error < previous, stages + " stages: error " + error + " ≥ " + previous);
            previous = error;
            assertEquals(stages * 4L * 16 * 7 + (stages * 517 * 4 + 7) / 8, codes.bytes()); // indices of all stages packed in one stream
            ResidualCodes again = ResidualCodes.encode(OPS, x, codes.codebooks());
            for (int s = 0; s < stages; s++) assertArrayEquals(codes.codes().get(s).data(), again.codes().get(s).data());
        }
    }

    @Test
    void packedCodesRoundTrip() {
        SplittableRandom rng = new SplittableRandom(4);
        for (int k : new int[] {1, 2, 3, 7, 33, 256, 517, 70_001}) {
            int[] codes = rng.ints(65, 0, k).toArray();
            byte[] packed = PackedCodes.pack(codes, k);
            assertEquals((65L * PackedCodes.bitsFor(k) + 7) / 8, packed.length);
            assertArrayEquals(codes, PackedCodes.unpack(packed, 65, k), "K = " + k);
        }
        assertEquals(1, PackedCodes.bitsFor(2));
        assertEquals(8, PackedCodes.bitsFor(256));
        assertEquals(9, PackedCodes.bitsFor(257));
        assertThrows(IllegalArgumentException.class, () -> PackedCodes.pack(new int[] {3}, 3));
    }

    @Test
    void recallMatchesBruteForce() {
        Tensor bank = Tensor.normal(5, 1f, 65, 7), queries = Tensor.normal(6, 1f, 7, 7);
        assertEquals(1.0, NeighbourRecall.recallAtK(OPS, queries, bank, bank, 10));
        Tensor noisy = bank.copy();
        Tensor noise = Tensor.normal(7, 0.7f, 65, 7);
        for (int i = 0; i < noisy.size(); i++) noisy.put(i, noisy.at(i) + noise.at(i));
        double expected = 0;
        for (int q = 0; q < 7; q++) {
            List<Integer> truth = top(queries, bank, q, 10), found = top(queries, noisy, q, 10);
            expected += truth.stream().filter(found::contains).count() / 10.0;
        }
        assertEquals(expected / 7, NeighbourRecall.recallAtK(OPS, queries, bank, noisy, 10), 1e-12);
    }

    private static List<Integer> top(Tensor queries, Tensor bank, int q, int k) {
        int d = bank.cols();
        return java.util.stream.IntStream.range(0, bank.rows()).boxed().sorted((a, b) -> Double.compare(dot(queries, q, bank, b, d), dot(queries, q, bank, a, d)))
                .limit(k).toList();
    }

    private static double dot(Tensor x, int i, Tensor y, int j, int d) {
        double s = 0;
        for (int t = 0; t < d; t++) s += (double) x.at(i * d + t) * y.at(j * d + t);
        return s;
    }
}
