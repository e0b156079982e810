package org.peft4j.experiment;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.peft4j.backend.jvm.JvmBackend;
import org.peft4j.codebook.QuantizationFormat;
import org.peft4j.codebook.QuantizedBase;
import org.peft4j.codebook.QuantizedBaseFile;
import org.peft4j.codebook.QuantizedWeight;
import org.peft4j.data.DataDirectory;
import org.peft4j.model.PretrainedBert;
import org.peft4j.model.SentenceEncoder;
import org.peft4j.nn.DenseWeight;
import org.peft4j.nn.Linear;
import org.peft4j.nn.StateDict;
import org.peft4j.nn.bert.BertEncoder;
import org.peft4j.tensor.Tensor;

/**
 * {@code peft4j compress --mode base}: all-MiniLM-L6-v2 with its Linear weights quantized
 * ({@link QuantizedBase}), written as one safetensors file ({@link QuantizedBaseFile}), with what the
 * quantization costs: |W − Ŵ| over the Linear weights, and the cosine between the fp32 and the
 * quantized model's sentence embeddings of SpamAssassin test mails.
 */
public final class BaseCompression {
    private BaseCompression() {}

    /** What one run measured; bytes are tensor bytes (the file adds its JSON header). */
    public record Result(String format, Path file, long fileBytes, long fp32Bytes, long linearBytesFp32, long linearBytes,
                         double weightErrorMax, double weightErrorMean, int mails, double cosineMean, double cosineMin,
                         long liveHeapFp32, long liveHeapQuantized) {
        public Map<String, Object> asMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("format", format);
            m.put("file", file.toString());
            m.put("file_bytes", fileBytes);
            m.put("fp32_tensor_bytes", fp32Bytes);
            m.put("linear_weight_bytes_fp32", linearBytesFp32);
            m.put("linear_weight_bytes", linearBytes);
            m.put("linear_weight_error_max", weightErrorMax);
            m.put("linear_weight_error_mean", weightErrorMean);
            m.put("mails", mails);
            m.put("embedding_cosine_mean", cosineMean);
            m.put("embedding_cosine_min", cosineMin);
            m.put("live_heap_bytes_fp32", liveHeapFp32);
            m.put("live_heap_bytes_quantized", liveHeapQuantized);
            return m;
        }

        /** One row of the "Quantized bases" table. */
        public String tableRow() {
            return String.format("| %s | %,d | %,d | %.2f× | %,d | %,.1f | %.3g | %.3g | %.5f | %.5f |", format, linearBytesFp32, linearBytes,
                    (double) linearBytesFp32 / linearBytes, fileBytes, (liveHeapFp32 - liveHeapQuantized) / 1048576.0, weightErrorMax,
                    weightErrorMean, cosineMean, cosineMin);
        }
    }

    public static Result run(QuantizationFormat format, Path out, int mails, int threads, long seed, Consumer<String> log) throws IOException {
        SentenceEncoder sentences = frozenMiniLm(seed);
        BertEncoder encoder = sentences.encoder();
        List<int[]> texts = TextClassificationData.spamAssassin(DataDirectory.resolve(), sentences.tokenizer().withMaxLength(128), seed, 0)
                .test().stream().limit(mails).map(e -> e.ids()).toList();
        long fp32Bytes = 4L * encoder.parameters().stream().mapToLong(p -> p.value().size()).sum();
        try (JvmBackend ops = new JvmBackend(threads)) {
            Tensor before = sentences.meanPooled(ops, texts, 16, done -> {}).copy();
            long heapFp32 = liveHeapBytes();
            Map<String, Tensor> dense = new LinkedHashMap<>();
            encoder.linears().values().forEach(l -> dense.put(l.name(), ((DenseWeight) l.weight()).dense()));
            QuantizedBase.Summary summary = QuantizedBase.quantize(encoder.linears(), format);
            double max = 0, sum = 0;
            long count = 0;
            Map<String, QuantizedWeight> quantized = new LinkedHashMap<>();
            for (Linear l : encoder.linears().values()) {
                QuantizedWeight q = (QuantizedWeight) l.weight();
                quantized.put(q.name(), q);
                Tensor w = dense.get(l.name()), deq = q.dense();
                for (int i = 0; i < w.size(); i++) {
                    double e = Math.abs(w.at(i) - deq.at(i));
                    max = Math.max(max, e);
                    sum += e;
                }
                count += w.size();
            }
            dense.clear();
            Tensor after = sentences.meanPooled(ops, texts, 16, done -> {});
            long heapQuantized = liveHeapBytes();
            double cosSum = 0, cosMin = 1;
            for (int i = 0; i < texts.size(); i++) {
                double c = SentenceEncoder.cosine(before.rows(i, i + 1).toArray(), after.rows(i, i + 1).toArray());
                cosSum += c;
                cosMin = Math.min(cosMin, c);
            }
            Path file = out.resolve("base-" + format.name().toLowerCase(java.util.Locale.ROOT) + ".safetensors");
            Files.createDirectories(out);
            QuantizedBaseFile.write(file, StateDict.of(encoder.parameters()), quantized);
            Result r = new Result(format.name().toLowerCase(java.util.Locale.ROOT), file, Files.size(file), fp32Bytes, summary.denseBytes(),
                    summary.quantizedBytes(), max, sum / count, texts.size(), cosSum / texts.size(), cosMin, heapFp32, heapQuantized);
            log.accept(String.format("%s base: %d Linear weights %,d → %,d bytes; file %s (%,d bytes, fp32 tensors %,d)", r.format(),
                    summary.layers(), r.linearBytesFp32(), r.linearBytes(), file, r.fileBytes(), fp32Bytes));
            return r;
        }
    }

    /** all-MiniLM-L6-v2, frozen, without its loaded checkpoint (so that only the encoder's own weights stay reachable). */
    private static SentenceEncoder frozenMiniLm(long seed) throws IOException {
        PretrainedBert bert = PretrainedBert.miniLm();
        return new SentenceEncoder(bert.encoder(seed, false), bert.tokenizer());
    }

    /** Heap in use after full collections: what is reachable, not what awaits collection. */
    private static long liveHeapBytes() {
        for (int i = 0; i < 3; i++) System.gc();
        return java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
