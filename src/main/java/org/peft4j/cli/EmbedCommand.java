package org.peft4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.peft4j.backend.jvm.JvmBackend;
import org.peft4j.model.SentenceEncoder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code peft4j embed}: sentence embeddings, or the cosine similarity of every pair of sentences. */
@Command(name = "embed", mixinStandardHelpOptions = true,
        description = {"Embed sentences with a pretrained encoder (mean-pooled, unit length, as sentence-transformers).",
                "Prints the first dimensions and the norm of each embedding, every dimension with --full, JSON with",
                "--json, or with --similarity the cosine similarity matrix of the sentences."})
final class EmbedCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "SENTENCE", description = "Texts to embed.") List<String> sentences;
    @Mixin ModelOption model;
    @Option(names = "--similarity", description = "Print the cosine similarity of every pair instead of the embeddings.") boolean similarity;
    @Option(names = "--full", description = "Print every dimension, one embedding per line.") boolean full;
    @Option(names = "--json", description = "Print JSON.") boolean json;
    @Option(names = "--dims", defaultValue = "8", description = "Leading dimensions shown by default (default: ${DEFAULT-VALUE}).") int dims;
    @Option(names = "--max-length", description = "Truncate texts to this many tokens (default: the tokenizer's, 128 for MiniLM).") Integer maxLength;
    @Option(names = "--batch-size", defaultValue = "16", description = "Texts per forward pass (default: ${DEFAULT-VALUE}).") int batchSize;
    @Option(names = "--threads", defaultValue = "0", description = "Worker threads (0: one per core).") int threads;
    @Option(names = "--debug", description = "Print stack traces on errors.") boolean debug;

    @Override
    public Integer call() throws Exception {
        if (full && (json || similarity)) throw new IllegalArgumentException("--full cannot be combined with --json or --similarity");
        if (dims < 1) throw new IllegalArgumentException("--dims must be ≥ 1, got " + dims);
        SentenceEncoder encoder = SentenceEncoder.of(model.load());
        if (maxLength != null) encoder = encoder.withMaxLength(maxLength);
        float[][] embeddings;
        try (JvmBackend backend = new JvmBackend(threads)) {
            embeddings = encoder.embed(backend, sentences, batchSize);
        }
        if (similarity) printSimilarity(embeddings);
        else printEmbeddings(embeddings);
        return 0;
    }

    private void printEmbeddings(float[][] embeddings) throws Exception {
        if (json) {
            List<Map<String, Object>> out = new ArrayList<>();
            for (int i = 0; i < embeddings.length; i++) out.add(Map.of("text", sentences.get(i), "embedding", embeddings[i]));
            System.out.println(new ObjectMapper().writeValueAsString(out));
            return;
        }
        for (int i = 0; i < embeddings.length; i++) {
            float[] e = embeddings[i];
            StringBuilder line = new StringBuilder();
            if (full) {
                for (float v : e) line.append(line.isEmpty() ? "" : " ").append(v);
            } else {
                line.append(String.format("[%d] %s%n    [", i + 1, sentences.get(i)));
                for (int h = 0; h < Math.min(dims, e.length); h++) line.append(String.format(h == 0 ? "%.4f" : ", %.4f", e[h]));
                line.append(String.format("%s] (%d dims, norm %.4f)", dims < e.length ? ", …" : "", e.length, norm(e)));
            }
            System.out.println(line);
        }
    }

    private void printSimilarity(float[][] e) throws Exception {
        int n = e.length;
        double[][] cosine = new double[n][n];
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) cosine[i][j] = SentenceEncoder.cosine(e[i], e[j]);
        if (json) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("sentences", sentences);
            out.put("cosine", cosine);
            System.out.println(new ObjectMapper().writeValueAsString(out));
            return;
        }
        StringBuilder header = new StringBuilder("     ");
        for (int j = 0; j < n; j++) header.append(String.format("%8s", "[" + (j + 1) + "]"));
        System.out.println(header);
        for (int i = 0; i < n; i++) {
            StringBuilder row = new StringBuilder(String.format("%-5s", "[" + (i + 1) + "]"));
            for (int j = 0; j < n; j++) row.append(String.format("%8.4f", cosine[i][j]));
            System.out.println(row);
        }
        for (int i = 0; i < n; i++) System.out.printf("[%d] %s%n", i + 1, sentences.get(i));
    }

    private static double norm(float[] v) {
        double s = 0;
        for (float x : v) s += (double) x * x;
        return Math.sqrt(s);
    }
}
