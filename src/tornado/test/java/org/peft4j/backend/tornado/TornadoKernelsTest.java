package org.peft4j.backend.tornado;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.peft4j.testing.AllClose.assertAllClose;

import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.peft4j.backend.AdamW;
import org.peft4j.backend.AttentionSpec;
import org.peft4j.backend.Ops;
import org.peft4j.backend.Transpose;
import org.peft4j.codebook.VectorQuantizer;
import org.peft4j.tensor.IntTensor;
import org.peft4j.tensor.Tensor;
import org.peft4j.testing.GuardedViews;

/**
 * Every device kernel against the JVM backend on fresh random inputs, over sizes that are not
 * multiples of the work-group tile, with operands at non-zero offsets inside larger arrays.
 */
class TornadoKernelsTest extends BothBackends {
    @ParameterizedTest
    @CsvSource({"N,N,1,1,1", "N,T,17,33,7", "T,N,64,48,40", "T,T,5,130,300", "N,T,33,16,16", "N,N,3,70,129"})
    void gemmMatchesTheJvm(Transpose ta, Transpose tb, int m, int n, int k) {
        long seed = 31L * m + 7L * n + k;
        Tensor a = random(seed, ta.transposed() ? new int[] {k, m} : new int[] {m, k});
        Tensor b = random(seed + 1, tb.transposed() ? new int[] {n, k} : new int[] {k, n});
        Tensor c = random(seed + 2, m, n);
        both("gemm", 1e-5 * Math.sqrt(k), c, (ops, out) -> ops.gemm(ta, tb, 0.7f, a, b, 0.5f, out));
        Tensor garbage = Tensor.zeros(m, n).fill(Float.NaN);
        both("gemm beta=0", 1e-5 * Math.sqrt(k), garbage, (ops, out) -> ops.gemm(ta, tb, 1.3f, a, b, 0f, out));
    }

    @ParameterizedTest
    @CsvSource({"N,N", "N,T", "T,N", "T,T"})
    void batchedGemmMatchesTheJvm(Transpose ta, Transpose tb) {
        int batch = 3, m = 19, n = 23, k = 17;
        Tensor a = random(11, ta.transposed() ? new int[] {batch, k, m} : new int[] {batch, m, k});
        Tensor b = random(12, tb.transposed() ? new int[] {batch, n, k} : new int[] {batch, k, n});
        both("batchedGemm", 1e-5, random(13, batch, m, n), (ops, out) -> ops.batchedGemm(ta, tb, 0.9f, a, b, 0.25f, out));
    }

    @Test
    void loraForwardAndBackwardMatchTheJvm() {
        Tensor x = random(21, 2, 9, 37), a = random(22, 8, 37), b = random(23, 29, 8);
        Tensor yJ = random(24, 2, 9, 29), yT = yJ.copy(), hJ = Tensor.zeros(18, 8), hT = hJ.copy();
        jvm.loraForward(x, a, b, 2f, hJ, yJ);
        tornado.loraForward(x, a, b, 2f, hT, yT);
        assertAllClose(hJ.toArray(), hT.toArray(), 1e-5, 1e-5, "h");
        assertAllClose(yJ.toArray(), yT.toArray(), 1e-5, 1e-5, "y");

        Tensor dy = random(25, 2, 9, 29);
        Tensor dAJ = random(26, 8, 37), dAT = dAJ.copy(), dBJ = random(27, 29, 8), dBT = dBJ.copy();
        Tensor dhJ = Tensor.zeros(18, 8), dhT = dhJ.copy();
        jvm.loraBackward(x, dy, a, b, 2f, hJ, dhJ, dAJ, dBJ);
        tornado.loraBackward(x, dy, a, b, 2f, hT, dhT, dAT, dBT);
        assertAllClose(dhJ.toArray(), dhT.toArray(), 1e-5, 1e-5, "dh");
        assertAllClose(dAJ.toArray(), dAT.toArray(), 1e-5, 1e-5, "dA");
        assertAllClose(dBJ.toArray(), dBT.toArray(), 1e-5, 1e-5, "dB");

        Tensor frozenA = Tensor.zeros(18, 8), frozenAT = frozenA.copy(), dB2J = random(28, 29, 8), dB2T = dB2J.copy();
        jvm.loraBackward(x, dy, a, b, 0.5f, hJ, frozenA, null, dB2J);
        tornado.loraBackward(x, dy, a, b, 0.5f, hT, frozenAT, null, dB2T);
        assertAllClose(frozenA.toArray(), frozenAT.toArray(), 1e-5, 1e-5, "dh with A frozen");
        assertAllClose(dB2J.toArray(), dB2T.toArray(), 1e-5, 1e-5, "dB with A frozen");
    }

    @Test
    void softmaxForwardAndBackwardMatchTheJvm() {
        Tensor x = Tensor.uniform(31, 6f, 13, 77);
        both("softmax", 1e-6, Tensor.zeros(13, 77), (ops, out) -> ops.softmax(x, out));
        Tensor y = Tensor.zeros(13, 77);
        jvm.softmax(x, y);
        Tensor dy = random(32, 13, 77);
        both("softmaxBackward", 1e-6, Tensor.zeros(13, 77), (ops, out) -> ops.softmaxBackward(y, dy, out));
    }

    /** q, k, v as one packed tensor (GPT) or three (BERT), heads at odd columns; padding, causal masking, dropout. */
    @ParameterizedTest
    @CsvSource({"false,true,false,0.2", "true,false,true,0", "true,true,true,0.1", "false,false,false,0"})
    void attentionForwardAndBackwardMatchTheJvm(boolean oneTensor, boolean padded, boolean causal, float dropout) {
        int batch = 3, heads = 2, seq = 11, dim = 5, width = heads * dim;
        Tensor qkv = random(61, batch, seq, 3 * width + 1);
        Tensor q = oneTensor ? qkv : random(62, batch, seq, width + 2), k = oneTensor ? qkv : random(63, batch, seq, width);
        Tensor v = oneTensor ? qkv : random(64, batch, seq, width + 1);
        AttentionSpec spec = oneTensor ? new AttentionSpec(1, width + 1, 2 * width + 1, 0.45f, causal, dropout, 4)
                : new AttentionSpec(2, 0, 1, 0.45f, causal, dropout, 4);
        int[] m = new int[batch * seq];
        for (int i = 0; i < m.length; i++) m[i] = !padded || i % seq < seq - 3 * (i / seq) ? 1 : 0;
        IntTensor keyMask = padded ? new IntTensor(m, new int[] {batch, seq}) : null;
        IntTensor seed = new IntTensor(new int[] {5, 8}, new int[] {2});
        Tensor probsJ = Tensor.zeros(batch, heads, seq, seq), probsT = GuardedViews.offsetCopy(probsJ);
        Tensor outJ = Tensor.zeros(batch, seq, width), outT = GuardedViews.offsetCopy(outJ);
        jvm.attention(spec, q, k, v, keyMask, seed, probsJ, outJ);
        tornado.attention(spec, q, k, v, keyMask, seed, probsT, outT);
        assertAllClose(probsJ.toArray(), probsT.toArray(), 1e-5, 1e-6, "probs");
        assertAllClose(outJ.toArray(), outT.toArray(), 1e-5, 1e-6, "out");
        GuardedViews.assertGuardsIntact(outT, "attention out");

        Tensor dOut = random(65, batch, seq, width);
        Tensor[] gradsJ = oneTensor ? new Tensor[] {qkv.copy().fill(7f)} : new Tensor[] {q.copy().fill(7f), k.copy().fill(7f), v.copy().fill(7f)};
        Tensor[] gradsT = new Tensor[gradsJ.length];
        for (int i = 0; i < gradsJ.length; i++) gradsT[i] = GuardedViews.offsetCopy(gradsJ[i]);
        jvm.attentionBackward(spec, q, k, v, seed, probsJ, dOut, gradsJ[0], gradsJ[gradsJ.length / 2], gradsJ[gradsJ.length - 1]);
        tornado.attentionBackward(spec, q, k, v, seed, probsT, dOut, gradsT[0], gradsT[gradsT.length / 2], gradsT[gradsT.length - 1]);
        assertAllClose(probsJ.toArray(), probsT.toArray(), 1e-5, 1e-6, "dS left in probs");
        for (int i = 0; i < gradsJ.length; i++) {
            assertAllClose(gradsJ[i].toArray(), gradsT[i].toArray(), 1e-5, 1e-6, "gradient " + i);
            GuardedViews.assertGuardsIntact(gradsT[i], "gradient " + i);
        }
    }

    @Test
    void layerNormForwardAndBackwardMatchTheJvm() {
        int rows = 21, n = 45;
        Tensor x = shifted(Tensor.uniform(51, 3f, rows, n), 1f), gamma = random(52, n), beta = random(53, n);
        Tensor yJ = Tensor.zeros(rows, n), yT = yJ.copy(), meanJ = Tensor.zeros(rows), meanT = meanJ.copy();
        Tensor rstdJ = Tensor.zeros(rows), rstdT = rstdJ.copy();
        jvm.layerNorm(x, gamma, beta, 1e-5f, yJ, meanJ, rstdJ);
        tornado.layerNorm(x, gamma, beta, 1e-5f, yT, meanT, rstdT);
        assertAllClose(yJ.toArray(), yT.toArray(), 1e-5, 1e-5, "layerNorm y");
        assertAllClose(meanJ.toArray(), meanT.toArray(), 1e-6, 1e-6, "layerNorm mean");
        assertAllClose(rstdJ.toArray(), rstdT.toArray(), 1e-5, 1e-6, "layerNorm rstd");

        Tensor dy = random(54, rows, n);
        Tensor dxJ = Tensor.zeros(rows, n), dxT = dxJ.copy(), dgJ = random(55, n), dgT = dgJ.copy(), dbJ = random(56, n), dbT = dbJ.copy();
        jvm.layerNormBackward(dy, x, gamma, meanJ, rstdJ, dxJ, dgJ, dbJ);
        tornado.layerNormBackward(dy, x, gamma, meanJ, rstdJ, dxT, dgT, dbT);
        assertAllClose(dxJ.toArray(), dxT.toArray(), 1e-4, 1e-5, "layerNorm dx");
        assertAllClose(dgJ.toArray(), dgT.toArray(), 1e-4, 1e-5, "layerNorm dgamma");
        assertAllClose(dbJ.toArray(), dbT.toArray(), 1e-5, 1e-5, "layerNorm dbeta");
    }

    @Test
    void geluForwardAndBackwardMatchTheJvm() {
        Tensor x = Tensor.uniform(61, 8f, 1003);
        both("gelu", 1e-6, Tensor.zeros(1003), (ops, out) -> ops.gelu(x, out));
        Tensor dy = random(62, 1003);
        both("geluBackward", 1e-6, Tensor.zeros(1003), (ops, out) -> ops.geluBackward(x, dy, out));
    }

    @Test
    void adamWMatchesTheJvmOverSeveralSteps() {
        int size = 1037;
        Tensor pJ = random(71, size), pT = pJ.copy(), mJ = Tensor.zeros(size), mT = mJ.copy(), vJ = Tensor.zeros(size), vT = vJ.copy();
        for (int step = 1; step <= 3; step++) {
            Tensor g = random(72 + step, size);
            AdamW h = new AdamW(1e-2f * step, 0.9f, 0.999f, 1e-8f, 0.01f, step);
            jvm.adamW(pJ, g, mJ, vJ, h);
            tornado.adamW(pT, g, mT, vT, h);
        }
        assertAllClose(pJ.toArray(), pT.toArray(), 1e-6, 1e-7, "param");
        assertAllClose(mJ.toArray(), mT.toArray(), 1e-6, 1e-7, "m");
        assertAllClose(vJ.toArray(), vT.toArray(), 1e-6, 1e-8, "v");
    }

    /** Clipping on (norm² above maxNorm²), off by the norm, and off by maxNorm 0, at a size off the work-group multiple. */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(floats = {0.5f, 100f, 0f})
    void clippedAdamWMatchesTheJvm(float maxNorm) {
        int size = 1037;
        Tensor pJ = random(81, size), pT = pJ.copy(), mJ = Tensor.zeros(size), mT = mJ.copy(), vJ = Tensor.zeros(size), vT = vJ.copy();
        Tensor hyper = Tensor.zeros(AdamW.TENSOR_SIZE);
        for (int step = 1; step <= 3; step++) {
            Tensor g = random(82 + step, size), normSquared = Tensor.zeros(1);
            jvm.sumOfSquares(g, normSquared);
            normSquared.put(0, normSquared.at(0) * 2);
            new AdamW(1e-2f * step, 0.9f, 0.999f, 1e-8f, 0.01f, step).writeTo(hyper, maxNorm);
            jvm.clippedAdamW(pJ, g, mJ, vJ, hyper, normSquared);
            tornado.clippedAdamW(pT, g, mT, vT, hyper, normSquared);
        }
        assertAllClose(pJ.toArray(), pT.toArray(), 1e-6, 1e-7, "param");
        assertAllClose(mJ.toArray(), mT.toArray(), 1e-6, 1e-7, "m");
        assertAllClose(vJ.toArray(), vT.toArray(), 1e-6, 1e-8, "v");
    }

    @Test
    void sparseScatterAddAndGatherMatchTheJvm() {
        int rows = 37, cols = 29, count = 97;
        int[] support = new java.util.SplittableRandom(5).ints(0, rows * cols).distinct().limit(count).toArray();
        IntTensor indices = new IntTensor(support, new int[] {count});
        Tensor values = random(101, count);
        both("sparseScatterAdd", 1e-7, random(102, rows, cols), (ops, dense) -> ops.sparseScatterAdd(values, indices, dense));
        Tensor dense = random(103, rows, cols);
        both("sparseGather", 0, Tensor.zeros(count), (ops, out) -> ops.sparseGather(dense, indices, out));
        IntTensor repeated = new IntTensor(new int[] {4, 9, 4, 4}, new int[] {4});
        both("sparseScatterAdd, repeated indices", 1e-7, random(104, rows, cols),
                (ops, out) -> ops.sparseScatterAdd(random(105, 4), repeated, out));
    }

    @ParameterizedTest
    @CsvSource({"1,1,1", "7,3,5", "517,65,33", "100,256,384"})
    void nearestCodeMatchesTheJvm(int n, int k, int d) {
        Tensor x = random(111 + n, n, d), codebook = random(112 + k, k, d);
        Tensor distJ = Tensor.zeros(n, k), distT = Tensor.zeros(n, k).fill(Float.NaN);
        IntTensor codesJ = IntTensor.zeros(n), codesT = IntTensor.zeros(n);
        jvm.nearestCode(x, codebook, distJ, codesJ);
        tornado.nearestCode(x, codebook, distT, codesT);
        assertAllClose(distJ.toArray(), distT.toArray(), 1e-4, 1e-4 * d, "distances");
        for (int i = 0; i < n; i++) {
            int a = codesJ.data()[i], b = codesT.data()[i];
            if (a != b) {  // only a near-tie may differ: then both distances agree to rounding
                assertEquals(distJ.get(i, a), distJ.get(i, b), 1e-4 * d, "row " + i + ": codes " + a + " vs " + b + " are not a tie");
            }
        }
    }

    @Test
    void axpyAndEmbeddingScatterAddMatchTheJvm() {
        Tensor x = random(121, 1031);
        both("axpy", 1e-7, random(122, 1031), (ops, y) -> ops.axpy(-0.37f, x, y));
        int tokens = 53, vocab = 11, width = 19;
        IntTensor ids = new IntTensor(new java.util.SplittableRandom(9).ints(tokens, 0, vocab).toArray(), new int[] {tokens});
        Tensor rows = random(123, tokens, width);
        both("embeddingScatterAdd (repeated ids)", 0, random(124, vocab, width), (ops, table) -> ops.embeddingScatterAdd(rows, ids, table));
    }

    @Test
    void vectorQuantizerTrainingStepsMatchTheJvm() {  // assignment, loss, codebook SGD, usage EMA and resets
        VectorQuantizer.Settings settings = VectorQuantizer.Settings.defaults(16).withSeed(5);
        VectorQuantizer onJvm = new VectorQuantizer(settings, 24), onTornado = new VectorQuantizer(settings, 24);
        for (int step = 0; step < 5; step++) {
            Tensor batch = random(140 + step, 64, 24);
            float expected = onJvm.trainStep(jvm, batch, onJvm.pass(64), Tensor.zeros(64, 24));
            float actual = onTornado.trainStep(tornado, batch, onTornado.pass(64), Tensor.zeros(64, 24));
            assertEquals(expected, actual, 1e-5 * Math.abs(expected), "codebook loss of step " + step);
        }
        assertAllClose(onJvm.codebook().toArray(), onTornado.codebook().toArray(), 1e-5, 1e-6, "codebook after five steps");
        assertEquals(onJvm.resets(), onTornado.resets(), "dead codes re-seeded");
    }

    @ParameterizedTest
    @CsvSource({"1", "255", "256", "16461", "100003"})
    void sumOfSquaresInTwoPassesMatchesTheJvm(int size) {
        Tensor x = GuardedViews.offsetCopy(random(81 + size, size), 5, 3);
        Tensor expected = Tensor.zeros(1), actual = Tensor.zeros(1).fill(Float.NaN);
        jvm.sumOfSquares(x, expected);
        tornado.sumOfSquares(x, actual);
        assertEquals(expected.at(0), actual.at(0), 1e-5 * expected.at(0), "sum of squares of " + size);
    }

    @Test
    void elementwiseOperationsMatchTheJvm() {
        Tensor a = random(101, 7, 45), b = random(102, 7, 45), bias = random(103, 45);
        both("add", 0, Tensor.zeros(7, 45), (ops, out) -> ops.add(a, b, out));
        both("addBias", 0, random(104, 7, 45), (ops, x) -> ops.addBias(x, bias));
        both("biasGradient", 1e-5, random(105, 45), (ops, dbias) -> ops.biasGradient(a, dbias));
        both("copy", 0, Tensor.zeros(7, 45), (ops, out) -> ops.copy(a, out));
        both("fill", 0, random(106, 7, 45), (ops, x) -> ops.fill(x, -2.5f));
        both("layerNormBackward, frozen", 1e-5, Tensor.zeros(7, 45), (ops, dx) -> {
            Tensor gamma = random(107, 45), mean = Tensor.zeros(7), rstd = Tensor.zeros(7), y = Tensor.zeros(7, 45);
            jvm.layerNorm(a, gamma, bias, 1e-5f, y, mean, rstd);
            ops.layerNormBackward(b, a, gamma, mean, rstd, dx, null, null);
        });
    }

    @ParameterizedTest
    @CsvSource({"0.1,0", "0.5,3", "0.0,1"})
    void dropoutDrawsTheJvmMaskForwardAndBackward(float p, int site) {
        IntTensor seed = new IntTensor(new int[] {-123456789, 42}, new int[] {2});
        Tensor x = random(111 + site, 5, 333);
        both("dropout", 0, Tensor.zeros(5, 333), (ops, y) -> ops.dropout(x, p, seed, site, y));
        both("dropoutBackward", 0, Tensor.zeros(5, 333), (ops, dx) -> ops.dropoutBackward(x, p, seed, site, dx));
    }

    @Test
    void embeddingLookupMatchesTheJvm() {
        Tensor table = random(124, 50, 19);
        IntTensor ids = new IntTensor(new int[] {3, 49, 0, 3, 17, 22, 8}, new int[] {7});
        both("embeddingGather", 0, Tensor.zeros(7, 19), (ops, out) -> ops.embeddingGather(table, ids, out));
    }

    @Test
    void poolingAndCrossEntropyMatchTheJvm() {
        int batch = 3, seq = 6, d = 11;
        Tensor h = random(131, batch, seq, d), dout = random(132, batch, d);
        IntTensor mask = new IntTensor(new int[] {1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0}, new int[] {batch, seq});
        both("meanPool", 1e-6, Tensor.zeros(batch, d), (ops, out) -> ops.meanPool(h, mask, out));
        both("meanPoolBackward", 1e-6, Tensor.zeros(batch, seq, d), (ops, dh) -> ops.meanPoolBackward(dout, mask, dh));
        Tensor logits = Tensor.uniform(133, 4f, 9, 13);
        IntTensor targets = new IntTensor(new int[] {0, 12, -100, 5, 5, 7, -100, 1, 3}, new int[] {9});
        both("crossEntropy gradient", 1e-6, Tensor.zeros(9, 13), (ops, dlogits) -> ops.crossEntropy(logits, targets, -100, Tensor.zeros(1), dlogits));
        both("crossEntropy loss", 1e-5, Tensor.zeros(1), (ops, loss) -> ops.crossEntropy(logits, targets, -100, loss, Tensor.zeros(9, 13)));
    }

    @Test
    void repeatedCallsReuseTheCompiledCallAndSeeNewValues() {
        Tensor a = random(91, 20, 30), b = random(92, 30, 10), c = Tensor.zeros(20, 10);
        tornado.gemm(Transpose.N, Transpose.N, 1f, a, b, 0f, c);
        int compiled = tornado.compiledCalls();
        a.copyFrom(random(93, 20, 30));
        tornado.gemm(Transpose.N, Transpose.N, 1f, a, b, 0f, c);
        Tensor expected = Tensor.zeros(20, 10);
        jvm.gemm(Transpose.N, Transpose.N, 1f, a, b, 0f, expected);
        assertEquals(compiled, tornado.compiledCalls(), "the second call must reuse the first one's plan");
        assertAllClose(expected.toArray(), c.toArray(), 1e-5, 1e-5, "gemm after the host changed an input");
    }

    /** Runs {@code op} on both backends into offset copies of {@code out}, compares, and checks the guards. */
    private static void both(String what, double tol, Tensor out, BiConsumer<Ops, Tensor> op) {
        Tensor expected = GuardedViews.offsetCopy(out), actual = GuardedViews.offsetCopy(out);
        op.accept(jvm, expected);
        op.accept(tornado, actual);
        assertAllClose(expected.toArray(), actual.toArray(), tol, tol, what);
        GuardedViews.assertGuardsIntact(actual, what);
    }

    private static Tensor shifted(Tensor t, float by) {
        for (int i = 0; i < t.size(); i++) t.put(i, t.at(i) + by);
        return t;
    }

    private static Tensor random(long seed, int... shape) {
        return Tensor.uniform(seed, 1f, shape);
    }
}
