package org.peft4j.codebook;

import java.util.SplittableRandom;
import org.peft4j.backend.Ops;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.Tensor;

/**
 * k-means with k-means++ seeding (Arthur &amp; Vassilvitskii, 2007) and Lloyd iterations, seeded:
 * <pre>
 *   seed     c₁ uniform; then c_j ~ D(x)² / Σ D², D(x) = distance to the nearest chosen centre
 *   Lloyd    codes_i = argmin_k ‖x_i − c_k‖²   c_k = mean{x_i : codes_i = k}
 * </pre>
 * until no code changes or {@code iterations} rounds ran. A cluster left empty takes the point
 * farthest from its centre. Every distance goes through {@link Ops#nearestCode}.
 */
public final class KMeans {
    private KMeans() {}

    /** Centres {@code [k, D]}, each point's code, and the inertia {@code Σ_i ‖x_i − c_{codes_i}‖²}. */
    public record Clustering(Tensor centroids, IntTensor codes, double inertia, int iterations) {}

    /** Clusters the rows of {@code points [N, D]} into {@code k ≤ N} groups. */
    public static Clustering fit(Ops ops, Tensor points, int k, int iterations, long seed) {
        int n = points.rows();
        if (k < 1 || k > n) throw new IllegalArgumentException("k-means: k must lie in [1, " + n + "] (the number of points), got " + k);
        if (iterations < 0) throw new IllegalArgumentException("k-means: iterations must be ≥ 0, got " + iterations);
        Tensor x = points.asMatrix();
        Tensor centroids = seedPlusPlus(ops, x, k, new SplittableRandom(seed));
        Tensor distances = Tensor.zeros(n, k);
        IntTensor codes = IntTensor.zeros(n);
        ops.nearestCode(x, centroids, distances, codes);
        int round = 0;
        while (round < iterations) {
            round++;
            updateCentroids(x, codes, distances, centroids);
            int[] before = codes.data().clone();
            ops.nearestCode(x, centroids, distances, codes);
            if (java.util.Arrays.equals(before, codes.data())) break;
        }
        return new Clustering(centroids, codes, inertia(distances, codes), round);
    }

    /** {@code Σ_i distances[i, codes_i]}. */
    static double inertia(Tensor distances, IntTensor codes) {
        double sum = 0;
        int k = distances.cols();
        for (int i = 0; i < codes.size(); i++) sum += distances.at(i * k + codes.data()[i]);
        return sum;
    }

    /** k-means++: each next centre drawn with probability proportional to its squared distance to the chosen ones. */
    static Tensor seedPlusPlus(Ops ops, Tensor x, int k, SplittableRandom rng) {
        int n = x.rows(), d = x.cols();
        Tensor centroids = Tensor.zeros(k, d);
        Tensor toNewest = Tensor.zeros(n, 1);
        IntTensor unused = IntTensor.zeros(n);
        double[] nearest = new double[n];
        java.util.Arrays.fill(nearest, Double.POSITIVE_INFINITY);
        int chosen = rng.nextInt(n);
        for (int j = 0; j < k; j++) {
            centroids.rows(j, j + 1).copyFrom(x.rows(chosen, chosen + 1));
            ops.nearestCode(x, centroids.rows(j, j + 1), toNewest, unused);
            double total = 0;
            for (int i = 0; i < n; i++) {
                nearest[i] = Math.min(nearest[i], toNewest.at(i));
                total += nearest[i];
            }
            if (j + 1 < k) chosen = total > 0 ? draw(nearest, total, rng) : rng.nextInt(n);
        }
        return centroids;
    }

    private static int draw(double[] weights, double total, SplittableRandom rng) {
        double target = rng.nextDouble() * total;
        int last = 0;
        for (int i = 0; i < weights.length; i++) {
            if (weights[i] <= 0) continue;
            last = i;
            target -= weights[i];
            if (target < 0) return i;
        }
        return last;
    }

    /** Means of the assigned points; an empty cluster takes the point farthest from its current centre. */
    private static void updateCentroids(Tensor x, IntTensor codes, Tensor distances, Tensor centroids) {
        int n = x.rows(), d = x.cols(), k = centroids.rows();
        double[] sums = new double[k * d];
        int[] counts = new int[k];
        float[] xd = x.data();
        for (int i = 0; i < n; i++) {
            int c = codes.data()[i];
            counts[c]++;
            for (int j = 0; j < d; j++) sums[c * d + j] += xd[x.offset() + i * d + j];
        }
        boolean[] taken = new boolean[n];
        for (int c = 0; c < k; c++) {
            if (counts[c] > 0) {
                for (int j = 0; j < d; j++) centroids.put(c * d + j, (float) (sums[c * d + j] / counts[c]));
            } else {
                int far = farthest(distances, codes, taken);
                taken[far] = true;
                centroids.rows(c, c + 1).copyFrom(x.rows(far, far + 1));
            }
        }
    }

    private static int farthest(Tensor distances, IntTensor codes, boolean[] taken) {
        int k = distances.cols(), best = -1;
        double bestDistance = -1;
        for (int i = 0; i < codes.size(); i++) {
            double dist = distances.at(i * k + codes.data()[i]);
            if (!taken[i] && dist > bestDistance) {
                bestDistance = dist;
                best = i;
            }
        }
        return best;
    }
}
