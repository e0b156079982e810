package org.peft4j.codebook;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import org.peft4j.backend.Ops;
import org.peft4j.data.DataDirectory;
import org.peft4j.data.Email;
import org.peft4j.data.Sotu;
import org.peft4j.data.SotuPassages;
import org.peft4j.data.SpamAssassin;
import org.peft4j.io.DType;
import org.peft4j.io.Safetensors;
import org.peft4j.model.SentenceEncoder;
import org.peft4j.tensor.Tensor;

/**
 * A memory bank of document vectors as in memory-bank compression (MBC): unit-length
 * all-MiniLM-L6-v2 embeddings of State of the Union passages ({@value #PASSAGE_WORDS}+ words) and
 * SpamAssassin mails, half each, a seeded sample of {@code limit} documents in shuffled order, truncated to
 * {@value #MAX_TOKENS} tokens. Embeddings are cached as safetensors under
 * {@code ~/.cache/peft4j/embeddings/}, keyed by limit and seed.
 */
public record MemoryBank(List<String> sources, Tensor vectors) {
    public static final int PASSAGE_WORDS = 80;
    public static final int MAX_TOKENS = 128;

    public MemoryBank {
        if (sources.size() != vectors.rows()) {
            throw new IllegalArgumentException(sources.size() + " sources for " + vectors.rows() + " vectors");
        }
        sources = List.copyOf(sources);
    }

    public int size() { return vectors.rows(); }

    /** The default cache folder, {@code ~/.cache/peft4j/embeddings}. */
    public static Path defaultCache() {
        return Path.of(System.getProperty("user.home"), ".cache", "peft4j", "embeddings");
    }

    /** The bank of {@code limit} documents: read from {@code cache} when there, else embedded and cached. */
    public static MemoryBank load(Ops ops, DataDirectory data, SentenceEncoder encoder, int limit, long seed, Path cache,
                                  Consumer<String> log) throws IOException {
        if (limit < 2) throw new IllegalArgumentException("a memory bank needs ≥ 2 documents, got limit " + limit);
        Path file = cache.resolve("memory-bank-mixed-" + limit + "-seed" + seed + "-t" + MAX_TOKENS + ".safetensors");
        List<Document> documents = documents(data, limit, seed);
        List<String> sources = documents.stream().map(Document::source).toList();
        if (Files.isRegularFile(file)) {
            Tensor cached = Safetensors.read(file).tensor("vectors");
            if (cached.rows() == documents.size() && cached.cols() == encoder.dimension()) {
                log.accept("memory bank: " + documents.size() + " cached embeddings from " + file);
                return new MemoryBank(sources, cached);
            }
        }
        log.accept("memory bank: embedding " + documents.size() + " documents (" + MAX_TOKENS + " tokens max) ...");
        long start = System.nanoTime();
        float[][] rows = encoder.withMaxLength(MAX_TOKENS).embed(ops, documents.stream().map(Document::text).toList(), 16);
        Tensor vectors = Tensor.zeros(rows.length, encoder.dimension());
        for (int i = 0; i < rows.length; i++) vectors.rows(i, i + 1).copyFrom(Tensor.of(rows[i], 1, rows[i].length));
        log.accept(String.format("memory bank: embedded in %.1f s, cached at %s", (System.nanoTime() - start) / 1e9, file));
        Files.createDirectories(cache);
        Safetensors.write(file, Map.of("vectors", vectors), Map.of("model", "all-MiniLM-L6-v2"), DType.F32);
        return new MemoryBank(sources, vectors);
    }

    /** A document of the bank: {@code sotu:<year>} or {@code spam:<mail id>}, and its text. */
    record Document(String source, String text) {}

    static List<Document> documents(DataDirectory data, int limit, long seed) {
        List<Document> passages = new ArrayList<>();
        for (var speech : Sotu.load(data)) {
            for (var p : SotuPassages.of(speech, PASSAGE_WORDS)) passages.add(new Document("sotu:" + p.year(), p.text()));
        }
        List<Document> mails = new ArrayList<>();
        for (Email e : SpamAssassin.load(data)) mails.add(new Document("spam:" + e.id(), e.text()));
        Random random = new Random(seed);
        Collections.shuffle(passages, random);
        Collections.shuffle(mails, random);
        int fromSotu = Math.min(passages.size(), limit / 2), fromMail = Math.min(mails.size(), limit - fromSotu);
        List<Document> out = new ArrayList<>(passages.subList(0, fromSotu));
        out.addAll(mails.subList(0, fromMail));
        Collections.shuffle(out, random);
        return out;
    }
}
