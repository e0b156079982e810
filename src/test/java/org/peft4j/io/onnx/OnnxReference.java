package org.peft4j.io.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import org.peft4j.tensor.IntTensor;
import org.peft4j.text.EncodedBatch;
import org.peft4j.text.Encoding;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;

/**
 * all-MiniLM-L6-v2 run by onnxruntime, the reference for the Java encoder: token embeddings
 * ({@code last_hidden_state}, [B][S][384]) and sentence-transformers sentence embeddings
 * (mask-weighted mean of the token embeddings, then L2-normalised). Graph inputs, all int64
 * [B, S]: {@code input_ids}, {@code attention_mask}, {@code token_type_ids}.
 */
public final class OnnxReference implements AutoCloseable {
    public static final List<String> INPUTS = List.of("input_ids", "attention_mask", "token_type_ids");
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;

    private OnnxReference(byte[] model) throws OrtException {
        session = env.createSession(model, new OrtSession.SessionOptions());
    }

    /** Loads the model from the classpath (about a second). */
    public static OnnxReference miniLm() throws IOException, OrtException {
        try (InputStream in = OnnxReference.class.getClassLoader().getResourceAsStream(BertOnnxImporter.MINILM_RESOURCE)) {
            if (in == null) throw new IOException(BertOnnxImporter.MINILM_RESOURCE + " is not on the classpath");
            return new OnnxReference(in.readAllBytes());
        }
    }

    public OrtSession session() { return session; }

    /** {@code last_hidden_state} for a padded batch: [B][S][hidden]. */
    public float[][][] tokenEmbeddings(EncodedBatch batch) throws OrtException {
        try (var ids = int64(batch.ids()); var mask = int64(batch.attentionMask()); var types = int64(batch.typeIds());
             var result = session.run(Map.of(INPUTS.get(0), ids, INPUTS.get(1), mask, INPUTS.get(2), types))) {
            return (float[][][]) result.get(0).getValue();
        }
    }

    /** Sentence embeddings of a padded batch: [B][hidden], unit length. */
    public float[][] sentenceEmbeddings(EncodedBatch batch) throws OrtException {
        return meanPooledUnit(tokenEmbeddings(batch), batch.attentionMask());
    }

    /** Sentence embeddings of unpadded encodings (padded here to the longest with id 0). */
    public float[][] sentenceEmbeddings(List<Encoding> encodings) throws OrtException {
        int longest = encodings.stream().mapToInt(Encoding::length).max().orElse(0);
        return sentenceEmbeddings(EncodedBatch.of(encodings, longest, 0, 0));
    }

    /**
     * sentence-transformers pooling: {@code e_b = Σ_s m_bs·h_bs / max(Σ_s m_bs, 1e-9)}, then
     * {@code e_b / max(‖e_b‖₂, 1e-12)}.
     */
    public static float[][] meanPooledUnit(float[][][] tokens, IntTensor mask) {
        int batch = tokens.length;
        float[][] out = new float[batch][];
        for (int b = 0; b < batch; b++) {
            int seq = tokens[b].length, hidden = tokens[b][0].length;
            double[] sum = new double[hidden];
            double count = 0;
            for (int s = 0; s < seq; s++) {
                int m = mask.data()[b * seq + s];
                count += m;
                for (int h = 0; h < hidden; h++) sum[h] += m * (double) tokens[b][s][h];
            }
            double norm = 0;
            for (int h = 0; h < hidden; h++) {
                sum[h] /= Math.max(count, 1e-9);
                norm += sum[h] * sum[h];
            }
            norm = Math.max(Math.sqrt(norm), 1e-12);
            out[b] = new float[hidden];
            for (int h = 0; h < hidden; h++) out[b][h] = (float) (sum[h] / norm);
        }
        return out;
    }

    /** {@code a·b / (‖a‖‖b‖)}. */
    public static double cosine(float[] a, float[] b) {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }

    private ai.onnxruntime.OnnxTensor int64(IntTensor t) throws OrtException {
        int rows = t.dim(0), cols = t.dim(1);
        long[][] values = new long[rows][cols];
        for (int r = 0; r < rows; r++) for (int c = 0; c < cols; c++) values[r][c] = t.data()[r * cols + c];
        return ai.onnxruntime.OnnxTensor.createTensor(env, values);
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
