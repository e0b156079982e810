package org.peft4j.codebook;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.peft4j.backend.jvm.JvmBackend;
import org.peft4j.tensor.Tensor;

/** k-means: recovers well-separated blobs, Lloyd's fixed point, inertia bookkeeping, seeding, errors. */
class KMeansTest {
    private static final JvmBackend OPS = new JvmBackend(2);

    /** {@code k} blobs of {@code per} points (σ = 0.05) around centres 10 apart, in {@code d} dimensions. */
    static Tensor blobs(int k, int per, int d, long seed) {
        Tensor centres = Tensor.normal(seed, 10f, k, d);
        Tensor noise = Tensor.normal(seed + 1, 0.05f, k * per, d);
        Tensor x = Tensor.zeros(k * per, d);
        for (int i = 0; i < k * per; i++) for (int t = 0; t < d; t++) x.put(i * d + t, centres.at((i % k) * d + t) + noise.at(i * d + t));
        return x;
    }

    @Test
    void separatesBlobsAndSatisfiesLloydsFixedPoint() {
        int k = 7, per = 9, d = 33;
        Tensor x = blobs(k, per, d, 3);
        KMeans.Clustering c = KMeans.fit(OPS, x, k, 50, 11);
        for (int i = 0; i < k * per; i++) assertEquals(c.codes().data()[i % k], c.codes().data()[i], "point " + i + " left its blob");
        Set<Integer> used = new HashSet<>();
        for (int code : c.codes().data()) used.add(code);
        assertEquals(k, used.size());
        double inertia = 0;
        for (int j = 0; j < k; j++) {
            double[] mean = new double[d];
            int count = 0;
            for (int i = 0; i < x.rows(); i++) {
                if (c.codes().data()[i] != j) continue;
                count++;
                for (int t = 0; t < d; t++) mean[t] += x.at(i * d + t);
            }
            for (int t = 0; t < d; t++) assertEquals(mean[t] / count, c.centroids().at(j * d + t), 1e-4, "centre " + j);
        }
        for (int i = 0; i < x.rows(); i++) {
            int j = c.codes().data()[i];
            for (int t = 0; t < d; t++) {
                double diff = x.at(i * d + t) - c.centroids().at(j * d + t);
                inertia += diff * diff;
            }
        }
        assertEquals(inertia, c.inertia(), 1e-3 * inertia + 1e-4);
        assertTrue(c.inertia() < k * per * d * 0.05 * 0.05 * 1.5, "inertia " + c.inertia() + " exceeds the noise level");
    }

    @Test
    void sameSeedSameResultAndKEqualsNKeepsEveryPoint() {
        Tensor x = Tensor.normal(5, 1f, 65, 7);
        KMeans.Clustering a = KMeans.fit(OPS, x, 5, 20, 9), b = KMeans.fit(OPS, x, 5, 20, 9);
        assertArrayEquals(a.centroids().toArray(), b.centroids().toArray());
        assertArrayEquals(a.codes().data(), b.codes().data());
        KMeans.Clustering all = KMeans.fit(OPS, x, 65, 10, 1);
        assertEquals(0, all.inertia(), 1e-4); // ‖x‖² − 2x·x + ‖x‖² cancels to float rounding, not to 0
        Set<Integer> used = new HashSet<>();
        for (int code : all.codes().data()) used.add(code);
        assertEquals(65, used.size());
    }

    @Test
    void moreIterationsNeverIncreaseInertia() {
        Tensor x = Tensor.normal(8, 1f, 517, 3);
        double previous = Double.POSITIVE_INFINITY;
        for (int it : new int[] {0, 1, 3, 10}) {
            double inertia = KMeans.fit(OPS, x, 17, it, 4).inertia();
            assertTrue(inertia <= previous + 1e-3, it + " iterations: " + inertia + " > " + previous);
            previous = inertia;
        }
    }

    @Test
    void rejectsImpossibleK() {
        Tensor x = Tensor.normal(5, 1f, 3, 2);
        var e = assertThrows(IllegalArgumentException.class, () -> KMeans.fit(OPS, x, 4, 5, 1));
        assertTrue(e.getMessage().contains("k must lie in [1, 3]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> KMeans.fit(OPS, x, 0, 5, 1));
    }
}
